/**
 * `berth ui` in a real headless Chromium, against three real sshd hosts: after real
 * deploys (one of them to a single host, so the hosts disagree), the page shows every
 * host's live release, the drift, the releases and the history; two rollbacks started from
 * the page (each after typing the environment's name) switch `current` on every host's
 * disk, with their progress shown live and the new state after; so does a deploy.
 *
 * With BERTH_UI_SCREENSHOT=docs/ui.png this test also writes the README's screenshot
 * (then made smaller with `pngquant --force --output docs/ui.png docs/ui.png`).
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { launchBrowser, startUi, type RunningUi } from '../helpers/cockpit.js'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

const NAMES = ['web1', 'web2', 'web3']
let fleet: Fleet
let browser: Browser
let project: Project | undefined
let ui: RunningUi | undefined

beforeAll(async () => {
  ;[fleet, browser] = await Promise.all([startFleet({ hosts: 3 }), launchBrowser()])
})
afterAll(async () => {
  await ui?.stop()
  await browser?.close()
  project?.cleanup()
  await fleet?.stop()
})

/** Types the environment's name in the confirmation dialog, checks a wrong name cannot confirm, and confirms. */
async function confirm(page: Page, action: 'Deploy' | 'Roll back' = 'Roll back'): Promise<void> {
  const dialog = page.getByRole('dialog')
  await dialog.waitFor()
  const input = dialog.getByLabel('Type production to confirm')
  const go = dialog.getByRole('button', { name: action, exact: true })
  await input.fill('producti')
  expect(await go.isDisabled()).toBe(true)
  await input.fill('production')
  await go.click()
  await dialog.waitFor({ state: 'hidden' })
}

const hostRow = (page: Page, name: string) => page.locator('#hosts tbody tr').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}`) }) })

it('shows the fleet of real deploys; rollbacks and a deploy from the page switch current on every host', async () => {
  project = fleetProject(fleet, { app: 'cockpit' })
  const hosts = NAMES.map((name) => onHost(fleet, name, 'cockpit'))
  const deploy = async (...args: string[]) => {
    const result = await project!.berth(['deploy', 'production', '-q', ...args])
    expect(result.code, all(result)).toBe(0)
  }
  await deploy()
  const v1 = hosts[0]!.live()!
  project.commit({ 'index.html': '<h1>v2</h1>\n' })
  await deploy()
  const v2 = hosts[0]!.live()!
  project.commit({ 'index.html': '<h1>v3</h1>\n' })
  await deploy('--hosts', 'web1')
  const v3 = hosts[0]!.live()!
  expect(hosts.map((h) => h.live())).toEqual([v3, v2, v2])

  ui = await startUi(project)
  const page = await browser.newPage({ viewport: { width: 1180, height: 900 } })
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(ui.url)

  // Every host with its live release; web1 flagged as differing.
  await hostRow(page, 'web3').getByText(v2).waitFor()
  expect(await page.locator('#hosts tbody tr').count()).toBe(3)
  expect(await hostRow(page, 'web1').textContent()).toContain(v3)
  expect(await hostRow(page, 'web1').getByText('differs').count()).toBe(1)
  expect(await hostRow(page, 'web2').getByText('differs').count()).toBe(0)
  expect(await page.locator('#drift').textContent()).toBe(`Hosts disagree: web1 on ${v3}; web2, web3 on ${v2}.`)
  expect(await page.locator('#releases tbody tr td:first-child').allTextContents()).toEqual([v3, v2, v1])
  expect(await page.locator('#history tbody tr').count()).toBe(3)

  // A plain rollback brings web1 back to the release the fleet shared.
  await page.getByRole('button', { name: 'Roll back…' }).click()
  await confirm(page)
  await page.getByText('Rollback succeeded.').waitFor({ timeout: 30_000 })
  expect(await page.locator('#progress').textContent()).toContain(`web1: current ${v3} → ${v2}`)
  expect(hosts.map((h) => h.live())).toEqual([v2, v2, v2])
  // The page read the fleet again: the drift is gone.
  await page.locator('#drift').waitFor({ state: 'hidden' })
  await hostRow(page, 'web1').getByText(v2).waitFor()
  await page.locator('#history tbody tr', { hasText: 'rollback' }).first().waitFor()
  const shot = join(project.base, 'ui.png')
  await page.screenshot({ path: shot, fullPage: true })
  if (process.env.BERTH_UI_SCREENSHOT) copyFileSync(shot, process.env.BERTH_UI_SCREENSHOT)

  // A rollback to a named release, from its row in the releases table.
  await page.getByRole('button', { name: `Roll back to ${v1}` }).click()
  await confirm(page)
  await page.getByText('Rollback succeeded.').waitFor({ timeout: 30_000 })
  expect(hosts.map((h) => h.live())).toEqual([v1, v1, v1])
  for (const name of NAMES) await hostRow(page, name).getByText(v1).waitFor()
  expect(hosts.every((h) => !h.locked())).toBe(true)

  // A deploy from the page: the new commit goes live on every host.
  project.commit({ 'index.html': '<h1>v4</h1>\n' })
  await page.getByRole('button', { name: 'Deploy…' }).click()
  await confirm(page, 'Deploy')
  await page.getByText('Deploy succeeded.').waitFor({ timeout: 30_000 })
  const v4 = hosts[0]!.live()!
  expect(v4).not.toBe(v1)
  expect(hosts.map((h) => [h.live(), h.read('current/index.html')])).toEqual(NAMES.map(() => [v4, '<h1>v4</h1>\n']))
  for (const name of NAMES) await hostRow(page, name).getByText(v4).waitFor()
  expect(problems).toEqual([])

  // Ctrl-C stops the server like any command.
  expect(await ui.stop()).toBe(130)
})
