/**
 * `deploy --resume` over ssh: a migration (`roles: [db]`, on two hosts) fails on the
 * primary and succeeds on the other db host; once fixed outside the repo, the resume
 * builds nothing, uploads nothing, runs the migration only where it had failed, and puts
 * the same release live everywhere. Counters live on each host's own disk.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

let fleet: Fleet
const projects: Project[] = []
beforeAll(async () => (fleet = await startFleet({ hosts: 3 })))
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

/** Lines in a file on this machine (the local build's counter) or on a host's disk (its /srv). */
const lines = (file: string): number => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0)
const migrationsOn = (host: string): number => lines(join(fleet.hostDir(host), 'migrations'))

describe('deploy --resume over ssh', () => {
  it('after a migration failed on the primary: no build, no upload, the migration that ran on the other db host is not run again', async () => {
    const app = 'resume'
    const project = fleetProject(fleet, {
      app,
      hosts: ['- { host: web1, roles: [web] }', '- { host: web2, roles: [db] }', '- { host: web3, roles: [db], primary: true }'],
      environment: ['rollout: { batch: 2, pause: 0s }'],
      extra: [
        'build:',
        '  - run: echo built >> __BASE__/builds && mkdir -p dist && echo app > dist/app.js',
        '    include: [dist/]',
        'hooks:',
        '  migrate:',
        `    - run: 'echo ran >> "$BERTH_DEPLOY_TO/../migrations" && test ! -f "$BERTH_DEPLOY_TO/../fail-migrate"'`,
        '      roles: [db]',
      ],
    })
    projects.push(project)
    const hosts = ['web1', 'web2', 'web3'].map((name) => onHost(fleet, name, app))
    const builds = join(project.base, 'builds')
    const first = await project.berth(['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const v1 = hosts[0]!.live()!

    // Another commit, so the failed deploy builds (the same one would come from the artifact cache).
    project.commit({ 'index.html': '<h1>v2</h1>\n' })
    writeFileSync(join(fleet.hostDir('web3'), 'fail-migrate'), '')
    const failed = await project.berth(['deploy', 'production'])
    expect(failed.code, all(failed)).toBe(1)
    const v2 = hosts[0]!.releases().find((id) => id !== v1)!
    for (const host of hosts) expect([host.live(), host.state(v2)]).toEqual([v1, 'failed'])
    expect([lines(builds), migrationsOn('web1'), migrationsOn('web2'), migrationsOn('web3')]).toEqual([2, 0, 2, 2])

    // The fix, outside the repo.
    rmSync(join(fleet.hostDir('web3'), 'fail-migrate'))
    const resumed = await project.berth(['deploy', 'production', '--resume'])
    expect(resumed.code, all(resumed)).toBe(0)

    expect(lines(builds)).toBe(2)
    expect([migrationsOn('web1'), migrationsOn('web2'), migrationsOn('web3')]).toEqual([0, 2, 3])
    for (const host of hosts) {
      expect([host.live(), host.state(v2), host.state(v1), host.locked()]).toEqual([v2, 'active', 'ready', false])
      expect(host.read('current/dist/app.js')).toBe('app\n')
      const last = host.history().at(-1)!
      expect(last).toMatchObject({ kind: 'deploy', result: 'success', release: v2, resumeOf: v2 })
      expect(Object.keys(last.steps as object)).not.toContain('fetch')
    }
    expect(resumed.stdout).not.toMatch(/upload|unpack/)
    expect(resumed.stdout).toContain('batch 2/2: web3')
  })

  it('after a rolling deploy in which one host failed its verify (onFailure: continue): only that host switches and verifies again', async () => {
    const app = 'resume-rolling'
    const project = fleetProject(fleet, {
      app,
      environment: ['rollout: { batch: 1, pause: 0s }'],
      extra: [
        'onFailure: continue',
        'hooks:',
        '  verify:',
        `    - run: 'echo ran >> "$BERTH_DEPLOY_TO/../verifies" && test ! -f "$BERTH_DEPLOY_TO/../fail-verify"'`,
      ],
    })
    projects.push(project)
    const hosts = ['web1', 'web2', 'web3'].map((name) => onHost(fleet, name, app))
    const verifiesOn = (host: string): number => lines(join(fleet.hostDir(host), 'verifies'))
    expect((await project.berth(['deploy', 'production', '-q'])).code).toBe(0)
    const v1 = hosts[0]!.live()!
    project.commit({ 'index.html': '<h1>v2</h1>\n' })
    writeFileSync(join(fleet.hostDir('web2'), 'fail-verify'), '')
    const failed = await project.berth(['deploy', 'production'])
    expect(failed.code, all(failed)).toBe(1)
    const v2 = hosts[0]!.live()!
    expect([hosts[0]!.live(), hosts[1]!.live(), hosts[2]!.live()]).toEqual([v2, v1, v2])
    expect(v2).not.toBe(v1)

    rmSync(join(fleet.hostDir('web2'), 'fail-verify'))
    const resumed = await project.berth(['deploy', 'production', '--resume'])
    expect(resumed.code, all(resumed)).toBe(0)
    for (const host of hosts) expect([host.live(), host.state(v2), host.locked()]).toEqual([v2, 'active', false])
    // Only web2 went through a batch again (its 4: v1, v2 failing, v1 checked again after going back, v2);
    // the others were not switched, restarted or verified twice.
    expect([verifiesOn('web1'), verifiesOn('web2'), verifiesOn('web3')]).toEqual([2, 4, 2])
    expect(all(resumed)).not.toMatch(/batch \d\/\d: web[13]/)
    expect(hosts[1]!.read('current/index.html')).toBe('<h1>v2</h1>\n')
  })
})
