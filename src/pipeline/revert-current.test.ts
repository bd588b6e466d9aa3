/**
 * A failed deploy on hosts whose `current` berth did not make (a Capistrano-style layout, a
 * hand-made link): what each host's disk holds afterwards, and that the app is restarted
 * on the release that is live again. On a fleet of fake hosts, each with its own disk.
 */
import { mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { HostsFailedError, type BerthError } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { createFleetProject, type FleetProject } from './__fixtures__/fake-fleet.js'
import { deploy } from './deploy.js'

let p: FleetProject
afterEach(() => p.cleanup())

const CAPISTRANO = '20231201120000'
const failure = (promise: Promise<unknown>): Promise<BerthError> => promise.then(() => expect.fail('the deploy should have failed'), (error: BerthError) => error)
const warnings = (events: BerthEvent[]) => events.flatMap((e) => (e.kind === 'log' && e.level === 'warn' ? [`${e.host}: ${e.message}`] : []))

/** Hooks that log where they ran; verify fails in berth's release (it has index.html) and passes in the old tree. */
const hooks = (restart: string) => [
  'hooks:',
  '  restart:',
  `    - run: 'echo "restart $BERTH_RELEASE $(pwd)" >> "$BERTH_DEPLOY_TO/../hooks.log"; ${restart}'`,
  '  verify:',
  `    - run: 'echo "verify $(pwd)" >> "$BERTH_DEPLOY_TO/../hooks.log"; test ! -f index.html'`,
]

/** `current` on a host as another tool left it: a link berth must put back exactly. */
function foreignCurrent(host: string, link: string, tree: string): void {
  const deployTo = p.config.deployTo
  mkdirSync(p.fleet.pathOn(host, join(deployTo, tree)), { recursive: true })
  writeFileSync(p.fleet.pathOn(host, join(deployTo, tree, 'app.txt')), 'old app\n')
  symlinkSync(link, p.fleet.pathOn(host, join(deployTo, 'current')))
}

const link = (host: string): string => readlinkSync(p.fleet.pathOn(host, join(p.config.deployTo, 'current')))
const hookLog = (host: string): string[] => readFileSync(p.fleet.pathOn(host, join(dirname(p.config.deployTo), 'hooks.log')), 'utf8').trim().split('\n')

it('a Capistrano-style current and a hand-made link survive a failed verify, and the old app is restarted and verified', async () => {
  p = await createFleetProject(2, hooks('true'))
  const deployTo = p.config.deployTo
  foreignCurrent('web1', `${deployTo}/releases/${CAPISTRANO}`, `releases/${CAPISTRANO}`)
  foreignCurrent('web2', 'handmade/', 'handmade')

  const error = await failure(deploy(p.config, p.options()))

  expect(error).toBeInstanceOf(HostsFailedError)
  expect(error.step).toBe('verify')
  // Exactly the text each link had, not "no current" and not a berth-style rewrite.
  expect(link('web1')).toBe(`${deployTo}/releases/${CAPISTRANO}`)
  expect(link('web2')).toBe('handmade/')
  const release = p.releases('web1').find((id) => id !== CAPISTRANO)!
  for (const host of p.hosts) {
    expect(JSON.parse(p.read(host, `.berth/releases/${release}.json`)), host).toMatchObject({ state: 'failed', failedStep: 'verify' })
    expect(p.isLocked(host), host).toBe(false)
  }
  // Restarted and verified in the new release, then again in the tree that is live again.
  expect(hookLog('web1')).toEqual([
    `restart ${release} ${deployTo}/releases/${release}`,
    `verify ${deployTo}/releases/${release}`,
    `restart ${CAPISTRANO} ${deployTo}/releases/${CAPISTRANO}`,
    `verify ${deployTo}/releases/${CAPISTRANO}`,
  ])
  expect(hookLog('web2').slice(2)).toEqual([`restart handmade ${deployTo}/handmade`, `verify ${deployTo}/handmade`])
  expect(warnings(p.events).filter((w) => /taken down|could not go back|may be down/.test(w))).toEqual([])
  const summary = p.events.find((e): e is Extract<BerthEvent, { kind: 'run:summary' }> => e.kind === 'run:summary')!
  // The Capistrano release is named as berth names releases (it is adopted); its link kept its text.
  expect(summary.outcomes.map((o) => [o.host, o.live, o.switched])).toEqual([
    ['web1', CAPISTRANO, false],
    ['web2', 'handmade/', false],
  ])
})

it('a failed switch elsewhere puts a foreign current back too, without restarting an app that never ran the new release', async () => {
  p = await createFleetProject(2, hooks('true'))
  foreignCurrent('web1', `${p.config.deployTo}/releases/${CAPISTRANO}`, `releases/${CAPISTRANO}`)
  foreignCurrent('web2', `${p.config.deployTo}/releases/${CAPISTRANO}`, `releases/${CAPISTRANO}`)
  p.rescript({ host: 'web2', step: 'switch', reply: { exitCode: 1, stderr: 'No space left on device' } })

  const error = await failure(deploy(p.config, p.options()))

  expect(error.step).toBe('switch')
  for (const host of p.hosts) expect(link(host), host).toBe(`${p.config.deployTo}/releases/${CAPISTRANO}`)
  expect(p.fleet.callsAt('restart')).toEqual([])
  expect(p.fleet.callsAt('verify')).toEqual([])
})

it('a restart that fails after the revert is a warning naming the host, never silence', async () => {
  // The restart works in berth's release (it has index.html) and fails in the old tree.
  p = await createFleetProject(1, hooks('test -f index.html'))
  foreignCurrent('web1', `${p.config.deployTo}/releases/${CAPISTRANO}`, `releases/${CAPISTRANO}`)

  await failure(deploy(p.config, p.options()))

  expect(link('web1')).toBe(`${p.config.deployTo}/releases/${CAPISTRANO}`)
  const down = warnings(p.events).filter((w) => w.includes('may be down'))
  expect(down).toHaveLength(1)
  expect(down[0]).toMatch(new RegExp(`^web1: ${CAPISTRANO} is live again, but hook restart \\(hooks\\.restart\\[0\\]\\) failed: .* the app on this host may be down$`))
  // The verify after a failed restart is not run: it could only fail again.
  expect(p.fleet.callsAt('restart')).toHaveLength(2)
  expect(p.fleet.callsAt('verify')).toHaveLength(1)
})
