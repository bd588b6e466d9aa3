/**
 * Cleanup on two real sshd hosts: old releases are renamed into `.berth/trash` under the
 * lock and deleted after, in the background; the deploy does not wait for that deletion,
 * and neither `berth releases` nor the next deploy ever sees a trashed release.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

let fleet: Fleet
let project: Project | undefined
const NAMES = ['web1', 'web2']

beforeAll(async () => {
  fleet = await startFleet({ hosts: 2 })
})
afterAll(async () => {
  project?.cleanup()
  await fleet?.stop()
})

/** Puts a `nice` that sleeps 5 s first on a host's PATH (its ~/.bashrc, read by bash for every ssh command). */
function slowNice(name: string): void {
  const bin = join(fleet.root, 'hosts', name, 'slow-nice')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'nice'), '#!/bin/sh\nsleep 5\nshift 2\nexec "$@"\n', { mode: 0o755 })
  const rc = join(fleet.homeDir(name), '.bashrc')
  writeFileSync(rc, `PATH=${bin}:$PATH\n${readFileSync(rc, 'utf8')}`)
}

/** Waits (10 s at most) until `check` holds. */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  return check()
}

describe('cleanup over ssh', () => {
  it('removes old releases through the trash, which empties itself after the deploy', async () => {
    const hosts = NAMES.map((name) => ({ name, view: onHost(fleet, name, 'trash') }))
    const p = (project = fleetProject(fleet, { app: 'trash', hosts: ['- { host: web1, primary: true }', '- { host: web2 }'], environment: ['keepReleases: 1'] }, { 'index.html': 'v1\n' }))
    const deployed: string[] = []
    for (const version of ['v1', 'v2', 'v3']) {
      if (version !== 'v1') p.commit({ 'index.html': `${version}\n` })
      // On web1 the background removal starts 5 s late (a slow `nice` first on its PATH): the deploy returns before.
      if (version === 'v3') slowNice('web1')
      const result = await p.berth(['deploy', 'production', '-q'])
      expect(result.code, all(result)).toBe(0)
      if (version === 'v3') expect(hosts[0]!.view.exists('.berth/trash'), 'the deploy waited for the trash to be emptied').toBe(true)
      deployed.push(hosts[0]!.view.live()!)
      // A big old release would take a while to delete: the next cleanup must not wait for it.
      const bulk = join(fleet.hostDir('web1'), 'trash', 'releases', deployed.at(-1)!, 'bulk')
      mkdirSync(bulk)
      for (let i = 0; i < 500; i++) writeFileSync(join(bulk, `f${i}`), 'x')
    }
    const [v1, v2, v3] = deployed
    for (const { name, view } of hosts) {
      // keepReleases 1: the live release and the last good one before it stay.
      expect(view.releases(), name).toEqual([v2, v3])
      expect([view.exists(`.berth/releases/${v1}.json`), view.exists(`.berth/releases/${v1}.files`)], name).toEqual([false, false])
      expect(await eventually(() => !view.exists('.berth/trash')), `${name}: .berth/trash still there`).toBe(true)
    }
    const listed = await p.berth(['releases', 'production', '--json'])
    expect(listed.code, all(listed)).toBe(0)
    expect(listed.stdout).not.toContain(v1)
    expect(readdirSync(join(fleet.hostDir('web1'), 'trash', '.berth'))).not.toContain('trash')
  })
})
