/**
 * The built CLI against three real sshd hosts: deploy, redeploy, rollback and the fleet
 * views, host selection by role and name, and `once` hooks. Every assertion about a host
 * reads that host's own /srv.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost, type HostView } from './fleet-project.js'

let fleet: Fleet
const projects: Project[] = []
const NAMES = ['web1', 'web2', 'web3']

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 })
})
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

function setup(app: string, extra: string[] = [], files = {}): { project: Project; hosts: HostView[] } {
  const project = fleetProject(fleet, { app, extra }, files)
  projects.push(project)
  return { project, hosts: NAMES.map((name) => onHost(fleet, name, app)) }
}

const lives = (hosts: HostView[]): (string | null)[] => hosts.map((h) => h.live())

describe('deploy, redeploy, rollback', () => {
  it('keeps every host on the same release through each step, and the views agree', async () => {
    const { project, hosts } = setup('cycle')
    const first = await project.berth(['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const v1 = hosts[0]!.releases()[0]!
    expect(lives(hosts)).toEqual([v1, v1, v1])
    expect(hosts[2]!.read('current/index.html')).toBe('<h1>v1</h1>\n')

    project.commit({ 'index.html': '<h1>v2</h1>\n' })
    const second = await project.berth(['deploy', 'production', '-q'])
    expect(second.code, all(second)).toBe(0)
    const v2 = hosts[0]!.releases().find((id) => id !== v1)!
    expect(lives(hosts)).toEqual([v2, v2, v2])
    for (const host of hosts) {
      expect(host.read('current/index.html')).toBe('<h1>v2</h1>\n')
      expect(host.state(v1)).toBe('ready')
      expect(host.state(v2)).toBe('active')
      expect(host.locked()).toBe(false)
    }

    const releases = await project.berth(['releases', 'production'])
    expect(releases.code).toBe(0)
    for (const name of NAMES) expect(releases.stdout).toMatch(new RegExp(`${name}\\s+→ ${v2}\\s+active`))
    expect(releases.stdout).not.toContain('disagree')

    const rollback = await project.berth(['rollback', 'production', '-q'])
    expect(rollback.code, all(rollback)).toBe(0)
    expect(lives(hosts)).toEqual([v1, v1, v1])
    for (const host of hosts) {
      expect(host.read('current/index.html')).toBe('<h1>v1</h1>\n')
      expect(host.state(v2)).toBe('rolled-back')
      expect(host.state(v1)).toBe('active')
    }
    const after = await project.berth(['releases', 'production'])
    for (const name of NAMES) expect(after.stdout).toMatch(new RegExp(`${name}\\s+→ ${v1}\\s+active`))
    expect(after.stdout).not.toContain('disagree')

    const history = await project.berth(['history', 'production'])
    expect(history.code).toBe(0)
    expect(history.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[2])).toEqual(['rollback', 'deploy', 'deploy'])
    for (const host of hosts) expect(host.history().map((entry) => entry.kind)).toEqual(['deploy', 'deploy', 'rollback'])
  })
})

describe('roles, once and host selection', () => {
  const hooks = [
    'hooks:',
    '  migrate:',
    '    - { run: echo "migrate $BERTH_HOST" >> __BASE__/hooks.log, roles: [db], once: true }',
    '  restart:',
    '    - { run: echo "restart $BERTH_HOST" >> __BASE__/hooks.log, roles: [web] }',
  ]

  it('runs once hooks on one host and role hooks on their role; --roles and --hosts limit the deploy; status flags the hosts that then disagree; rollback brings them back together', async () => {
    const { project, hosts } = setup('select', hooks)
    const ran = (step: string): string[] => project.log().filter((line) => line.startsWith(step)).sort()
    const first = await project.berth(['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const v1 = hosts[0]!.releases()[0]!
    expect(ran('migrate')).toEqual(['migrate web3'])
    expect(ran('restart')).toEqual(['restart web1', 'restart web2'])

    project.commit({ 'index.html': '<h1>v2</h1>\n' })
    const byRole = await project.berth(['deploy', 'production', '-q', '--roles', 'web'])
    expect(byRole.code, all(byRole)).toBe(0)
    const v2 = hosts[0]!.live()!
    expect(v2).not.toBe(v1)
    expect(lives(hosts)).toEqual([v2, v2, v1])
    expect(hosts[2]!.releases()).toEqual([v1])
    // No db host selected: the once hook for db has nowhere to run.
    expect(ran('migrate')).toEqual(['migrate web3'])
    expect(ran('restart')).toEqual(['restart web1', 'restart web1', 'restart web2', 'restart web2'])

    project.commit({ 'index.html': '<h1>v3</h1>\n' })
    const byName = await project.berth(['deploy', 'production', '-q', '--hosts', 'web2'])
    expect(byName.code, all(byName)).toBe(0)
    const v3 = hosts[1]!.live()!
    expect(lives(hosts)).toEqual([v2, v3, v1])
    expect(hosts[0]!.releases()).toEqual([v1, v2])
    expect(ran('restart')).toEqual(['restart web1', 'restart web1', 'restart web2', 'restart web2', 'restart web2'])

    const status = await project.berth(['status', 'production'])
    expect(status.stdout).toMatch(/disagree/)
    expect(status.stdout).toMatch(new RegExp(`web1\\s+${v2}\\s+\\w+\\s+free\\s+deploy success`))
    expect(status.stdout).toMatch(new RegExp(`web2\\s+${v3}`))
    expect(status.stdout).toMatch(new RegExp(`web3\\s+${v1}`))
    const releases = await project.berth(['releases', 'production'])
    expect(releases.stdout).toMatch(/disagree/)

    // Hosts on three different releases: a plain rollback takes them back to the one they
    // shared before (v1); web3, already there, is left alone, and the others are restarted.
    const rollback = await project.berth(['rollback', 'production'])
    expect(rollback.code, all(rollback)).toBe(0)
    expect(all(rollback)).toContain(`rolling back to ${v1}`)
    expect(all(rollback)).toMatch(/web3 +\S+ +– unchanged/)
    expect(lives(hosts)).toEqual([v1, v1, v1])
    expect(ran('restart')).toEqual(['restart web1', 'restart web1', 'restart web1', 'restart web2', 'restart web2', 'restart web2', 'restart web2'])
    expect(hosts[2]!.history().map((entry) => entry.kind)).toEqual(['deploy', 'rollback'])
    // Nothing older is shared now: it says so, and --to is the way to name one.
    const again = await project.berth(['rollback', 'production'])
    expect(again.code, all(again)).toBe(1)
    expect(all(again)).toContain('no earlier good release is present on every host')
    expect(all(again)).toContain('berth releases production')
  })

  it('refuses an unknown role or host with exit 2 before touching any host', async () => {
    const { project, hosts } = setup('unknown', hooks)
    const role = await project.berth(['deploy', 'production', '--roles', 'cache'])
    expect(role.code, all(role)).toBe(2)
    expect(all(role)).toContain('cache')
    const host = await project.berth(['deploy', 'production', '--hosts', 'web9'])
    expect(host.code, all(host)).toBe(2)
    expect(all(host)).toContain('web9')
    for (const h of hosts) expect(h.exists('.')).toBe(false)
  })
})

describe('run and check', () => {
  it('runs an ad-hoc command on every host with its output per host', async () => {
    const { project } = setup('adhoc')
    const result = await project.berth(['run', 'production', '--', 'echo "on:$BERTH_HOST"; hostname >/dev/null'])
    expect(result.code, all(result)).toBe(0)
    for (const name of NAMES) expect(result.stdout).toContain(`${name} | on:${name}`)

    const failing = await project.berth(['run', 'production', '--', 'test "$BERTH_HOST" != web2'])
    expect(failing.code, all(failing)).toBe(1)
    expect(all(failing)).toMatch(/web2.*exit 1/)
  })

  it('check reports every host reachable with its tools, curl or wget where an http check runs', async () => {
    const { project } = setup('check', ['hooks:', '  verify:', '    - { http: "http://127.0.0.1:9/health", roles: [web] }'])
    const result = await project.berth(['check', 'production'])
    expect(result.code, all(result)).toBe(0)
    for (const name of ['web1', 'web2']) expect(result.stdout).toMatch(new RegExp(`✓ ${name}: connected \\(host key known, login accepted\\); sh tar mkdir ln mv readlink curl\\|wget; /srv(/check)? writable`))
    expect(result.stdout).toMatch(/✓ web3: connected \(host key known, login accepted\); sh tar mkdir ln mv readlink; \/srv(\/check)? writable/)
  })
})
