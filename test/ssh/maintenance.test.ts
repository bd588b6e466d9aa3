/**
 * The maintenance page on real sshd hosts: the page's HTML travels on stdin through the
 * SSH connection (never in argv), lands on every host's own /srv, is up on each host while
 * the migrations run, and comes down on every host after a deploy, failed or not.
 */
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

let fleet: Fleet
let project: Project | undefined
const NAMES = ['web1', 'web2']
const APP = 'downtime'
const PAGE = 'shared/public/maintenance.html'

beforeAll(async () => {
  fleet = await startFleet({ hosts: 2 })
})
afterAll(async () => {
  project?.cleanup()
  await fleet?.stop()
})

describe('maintenance over ssh', () => {
  it('goes up on every host with the message escaped and down again; a deploy has it up on every host during migrate, and down after success and failure', async () => {
    project = fleetProject(fleet, {
      app: APP,
      hosts: ['- { host: web1, roles: [web] }', '- { host: web2, roles: [web] }'],
      extra: [
        'hooks:',
        '  migrate:',
        `    - run: test -f /srv/${APP}/${PAGE} && echo "page up on $BERTH_HOST" >> __BASE__/hooks.log; [ ! -e __BASE__/fail-$BERTH_HOST ]`,
      ],
    })
    const p = project
    const hosts = NAMES.map((name) => onHost(fleet, name, APP))
    const message = `it's $(touch /tmp/pwned-maintenance) <b>back</b> at 5`

    const on = await p.berth(['maintenance', 'production', 'on', '--message', message])
    expect(on.code, all(on)).toBe(0)
    for (const host of hosts) {
      expect(host.read(PAGE)).toContain('<p>it&#39;s $(touch /tmp/pwned-maintenance) &lt;b&gt;back&lt;/b&gt; at 5</p>')
      expect(statSync(join(fleet.hostDir(NAMES[hosts.indexOf(host)]!), APP, PAGE)).mode & 0o777).toBe(0o644)
    }
    const off = await p.berth(['maintenance', 'production', 'off'])
    expect(off.code, all(off)).toBe(0)
    for (const host of hosts) expect(host.exists(PAGE)).toBe(false)

    const deploy = await p.berth(['deploy', 'production', '--maintenance'])
    expect(deploy.code, all(deploy)).toBe(0)
    expect(p.log().sort()).toEqual(['page up on web1', 'page up on web2'])
    for (const host of hosts) expect(host.exists(PAGE)).toBe(false)

    p.commit({ 'index.html': 'v2' })
    writeFileSync(join(p.base, 'fail-web2'), '')
    const failed = await p.berth(['deploy', 'production', '--maintenance'])
    expect(failed.code, all(failed)).toBe(1)
    expect(all(failed)).toMatch(/web2 \| maintenance page down/)
    for (const host of hosts) {
      expect(host.exists(PAGE)).toBe(false)
      expect(host.locked()).toBe(false)
    }
    expect(statSafe('/tmp/pwned-maintenance')).toBe(false)
  })
})

function statSafe(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}
