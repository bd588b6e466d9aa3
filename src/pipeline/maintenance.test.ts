/**
 * `deploy --maintenance` going wrong, on fake hosts with their own disks: a host where the
 * page cannot go up fails the deploy before any migration runs, and the page comes down
 * on every host where it did go up.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HostsFailedError, type BerthError } from '../errors.js'
import { createFleetProject, type FleetProject } from './__fixtures__/fake-fleet.js'
import { deploy } from './deploy.js'

let p: FleetProject
afterEach(() => p.cleanup())

const hooks = ['hooks:', '  migrate:', '    - run: echo migrating']

describe('deploy --maintenance on a fleet of fake hosts', () => {
  it('fails before the migrations when the page cannot go up on a host, and takes it down where it went up', async () => {
    p = await createFleetProject(3, hooks)
    const first = await deploy(p.config, p.options())
    const previous = first.outcome!.release
    p.rescript({ host: 'web2', step: 'maintenance', reply: { exitCode: 1, stderr: 'Read-only file system' } })

    const error = await deploy(p.config, p.options({ maintenance: true })).then(
      () => expect.fail('the deploy should have failed'),
      (e: BerthError) => e,
    )
    expect(error).toBeInstanceOf(HostsFailedError)
    expect(error.step).toBe('maintenance')
    expect(p.events.some((e) => e.kind === 'hook:start' && e.hook === 'migrate')).toBe(false)
    const page = (host: string): boolean => existsSync(p.fleet.pathOn(host, join(p.config.deployTo, 'shared', 'public', 'maintenance.html')))
    for (const host of p.hosts) {
      expect(page(host), host).toBe(false)
      expect(p.live(host), host).toBe(previous)
      expect(p.isLocked(host), host).toBe(false)
    }
    const pages = p.events.flatMap((e) => (e.kind === 'maintenance:page' ? [`${e.host} ${e.page}`] : [])).sort()
    expect(pages).toEqual(['web1 down', 'web1 up', 'web3 down', 'web3 up'])
  })

  it('warns, naming the command, when the page cannot be taken down, and the deploy still succeeds', async () => {
    p = await createFleetProject(2, hooks)
    p.rescript({ host: 'web1', step: 'maintenance', nth: 2, reply: { exitCode: 1, stderr: 'Permission denied' } })
    const result = await deploy(p.config, p.options({ maintenance: true }))
    expect(result.outcome?.ok).toBe(true)
    const warned = p.events.flatMap((e) => (e.kind === 'log' && e.level === 'warn' ? [e.message] : []))
    expect(warned).toEqual([expect.stringMatching(/^the maintenance page is still up: .*\(take it down with: berth maintenance production off\)$/)])
  })
})
