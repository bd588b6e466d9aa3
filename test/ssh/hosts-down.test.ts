/**
 * Hosts that go away: an sshd that is down before the deploy starts, one killed while
 * the release is being sent, and `check` with a host down. Whatever happens, the hosts
 * that can still be reached end on their old release with no lock left behind.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import { waitFor } from '../helpers/wait.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost, type HostView } from './fleet-project.js'

let fleet: Fleet
const projects: Project[] = []
const NAMES = ['web1', 'web2', 'web3']

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 })
})
afterEach(async () => {
  await fleet.startHost('web2')
})
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

async function deployed(app: string, extra: string[] = []): Promise<{ project: Project; hosts: HostView[]; v1: string }> {
  const project = fleetProject(fleet, { app, extra })
  projects.push(project)
  const hosts = NAMES.map((name) => onHost(fleet, name, app))
  const first = await project.berth(['deploy', 'production', '-q'])
  expect(first.code, all(first)).toBe(0)
  return { project, hosts, v1: hosts[0]!.live()! }
}

describe('a host that is down', () => {
  it('deploy, rollback and check name it and change nothing elsewhere; the views list it as unreadable', async () => {
    const { project, hosts, v1 } = await deployed('down')
    project.commit({ 'index.html': '<h1>v2</h1>\n' })
    expect((await project.berth(['deploy', 'production', '-q'])).code).toBe(0)
    const v2 = hosts[0]!.live()!
    expect(v2).not.toBe(v1)
    await fleet.stopHost('web2')
    const unchanged = (): void => {
      for (const host of hosts) expect(host.live()).toBe(v2)
      for (const host of [hosts[0]!, hosts[2]!]) {
        expect(host.releases()).toEqual([v1, v2])
        expect(host.locked()).toBe(false)
      }
    }

    project.commit({ 'index.html': '<h1>v3</h1>\n' })
    const deploy = await project.berth(['deploy', 'production'])
    expect(deploy.code, all(deploy)).toBe(1)
    expect(all(deploy)).toMatch(/web2: cannot run on web2: connection refused/)
    unchanged()

    const rollback = await project.berth(['rollback', 'production'])
    expect(rollback.code, all(rollback)).toBe(1)
    expect(all(rollback)).toMatch(/web2: cannot run on web2: connection refused/)
    unchanged()

    const check = await project.berth(['check', 'production'])
    expect(check.code, all(check)).toBe(1)
    expect(check.stdout).toMatch(/✓ web1: connected/)
    expect(check.stdout).toMatch(/✗ web2: .*connection refused/)
    expect(check.stdout).toMatch(/✓ web3: connected/)

    for (const view of ['releases', 'status', 'history']) {
      const result = await project.berth([view, 'production'])
      expect(result.code, `${view}: ${all(result)}`).toBe(1)
      expect(result.stdout, view).toMatch(/web2: could not be read: cannot run on web2: connection refused/)
      expect(result.stdout, view).toMatch(/web1/)
      expect(result.stdout, view).not.toMatch(/disagree/)
    }
  })
})

describe('an sshd killed during the deploy', () => {
  it('while the release is sent: nobody switches, the others are unlocked, and the next deploy recovers', async () => {
    // A slow build after the transfer makes sure the kill lands before any switch even if
    // the transfer finishes first; the 12 MB of random data makes the transfer itself long.
    const { project, hosts, v1 } = await deployed('killed', ['hooks:', '  build:', '    - run: test ! -f slow || sleep 3'])
    mkdirSync(join(project.dir, 'big'))
    for (let i = 0; i < 3; i++) writeFileSync(join(project.dir, 'big', `${i}.bin`), randomBytes(4 << 20))
    // Random data does not compress: storing it uncompressed saves a second of zlib.
    project.git('-c', 'core.compression=0', 'add', '-A')
    project.commit({ slow: '' })
    const running = project.berth(['deploy', 'production', '-q'])
    const web2 = hosts[1]!
    await waitFor(() => web2.releases().length > 1, 20_000, 'the new release to reach web2')
    await fleet.stopHost('web2')
    const result = await running
    expect(result.code, all(result)).toBe(1)
    // Caught in the transfer (fetch) almost always; on a loaded machine perhaps in the build.
    expect(all(result)).toMatch(/web2 failed at (fetch|build):[\s\S]*cannot run on web2: (connection closed|shared connection failed)/)
    const v2 = hosts[0]!.releases().find((id) => id !== v1)!
    expect(v2).toBeDefined()
    for (const host of hosts) expect(host.live()).toBe(v1)
    for (const host of [hosts[0]!, hosts[2]!]) {
      expect(host.locked()).toBe(false)
      expect(host.state(v2)).toBe('failed')
    }

    // web2 comes back with the dead run's lock still on it: the next deploy from this
    // machine sees its holder is gone, breaks it with a warning and goes through.
    await fleet.startHost('web2')
    project.git('rm', '-q', 'slow')
    project.commit({})
    const again = await project.berth(['deploy', 'production'])
    expect(again.code, all(again)).toBe(0)
    expect(all(again)).toMatch(/web2.*broke the lock held by .*is gone/)
    const v3 = hosts[0]!.live()!
    expect(v3).not.toBe(v1)
    for (const host of hosts) {
      expect(host.live()).toBe(v3)
      expect(host.locked()).toBe(false)
    }
    for (const name of NAMES) {
      expect(statSync(join(fleet.hostDir(name), 'killed', 'current', 'big', '2.bin')).size).toBe(4 << 20)
    }
  })
})
