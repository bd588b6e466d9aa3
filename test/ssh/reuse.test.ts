/**
 * Dependency reuse on three real sshd hosts: the second deploy with the same lockfile
 * copies node_modules on every host (its install hook runs nowhere), a hook writing into
 * the copy leaves the live release's copy as it was, and a changed lockfile installs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

let fleet: Fleet
let project: Project | undefined
const NAMES = ['web1', 'web2', 'web3']

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 })
})
afterAll(async () => {
  project?.cleanup()
  await fleet?.stop()
})

describe('reuse over ssh', () => {
  it('installs once per lockfile on each host, and never changes the live copy', async () => {
    const extra = [
      'reuse: [node_modules]',
      'hooks:',
      '  build:',
      '    - run: mkdir node_modules && cp package-lock.json node_modules/lock && echo "install $BERTH_HOST" >> __BASE__/hooks.log',
      '      installs: [node_modules]',
      '  after_build:',
      '    - run: echo appended >> node_modules/lock',
    ]
    const p = (project = fleetProject(fleet, { app: 'reuse', extra }, { 'package-lock.json': 'v1\n' }))
    const hosts = NAMES.map((name) => onHost(fleet, name, 'reuse'))
    const first = await p.berth(['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const one = hosts[0]!.live()!
    expect(p.log().sort()).toEqual(NAMES.map((name) => `install ${name}`))

    p.commit({ 'index.html': 'v2' })
    const second = await p.berth(['deploy', 'production'])
    expect(second.code, all(second)).toBe(0)
    expect(p.log()).toHaveLength(3)
    for (const host of hosts) {
      const two = host.live()!
      expect(two).not.toBe(one)
      expect(host.read(`releases/${two}/node_modules/lock`)).toBe('v1\nappended\nappended\n')
      expect(host.read(`releases/${one}/node_modules/lock`)).toBe('v1\nappended\n')
    }

    p.commit({ 'package-lock.json': 'v2\n' })
    const third = await p.berth(['deploy', 'production', '-q'])
    expect(third.code, all(third)).toBe(0)
    expect(p.log()).toHaveLength(6)
    for (const host of hosts) expect(host.read('current/node_modules/lock')).toBe('v2\nappended\n')
  })
})
