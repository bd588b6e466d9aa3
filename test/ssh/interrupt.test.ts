/**
 * Ctrl-C during a deploy to three real sshd hosts: the hooks running on the hosts are
 * stopped, every host keeps its old release, every lock is freed over the connections the
 * run still holds, and none of the run's ssh processes is left behind.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { waitFor } from '../helpers/wait.js'
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

const psArgs = (): string => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })

describe('Ctrl-C during a deploy over SSH', () => {
  it('stops the hooks on every host, keeps the old release live and frees every lock', async () => {
    // A sleep no other test runs, so `ps` finds exactly these.
    const sleeper = `sleep 41.${process.pid % 1000}`
    project = fleetProject(fleet, {
      app: 'interrupted',
      extra: ['hooks:', '  migrate:', `    - run: if [ -f "$BERTH_DEPLOY_TO/hang" ]; then touch "$BERTH_DEPLOY_TO/hanging.$BERTH_HOST"; ${sleeper}; fi`],
    })
    const hosts = NAMES.map((name) => onHost(fleet, name, 'interrupted'))
    const first = await project.berth(['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const good = hosts[0]!.live()
    project.commit({ 'index.html': '<h1>v2</h1>\n' })
    for (const name of NAMES) writeFileSync(join(fleet.hostDir(name), 'interrupted', 'hang'), '')

    const child = project.spawnBerth(['deploy', 'production', '-q'])
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await waitFor(() => hosts.every((host, i) => host.exists(`hanging.${NAMES[i]}`)), 30_000, 'the migrate hook to start on every host')
    expect(hosts.every((host) => host.locked())).toBe(true)

    child.kill('SIGINT')
    expect(await exited, output).toBe(130)
    for (const host of hosts) {
      expect(host.live()).toBe(good)
      expect(host.locked()).toBe(false)
    }
    const failed = hosts[0]!.releases().find((id) => id !== good)!
    expect(hosts.map((host) => host.state(failed))).toEqual(['failed', 'failed', 'failed'])
    await waitFor(() => !psArgs().includes(sleeper), 10_000, 'the hooks on the hosts to stop')
    // The run's ssh processes (masters included) are gone with it: none uses this fleet's config.
    expect(psArgs().split('\n').filter((line) => line.startsWith('ssh ') && line.includes(fleet.sshConfigFile))).toEqual([])
  })
})
