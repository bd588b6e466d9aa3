/**
 * Many hosts behind one bastion whose sshd keeps the default `MaxStartups 10:30:100`, as
 * real bastions do: a deploy that opens 40 connections at once must queue its handshakes
 * on the bastion (at most a few at a time) and draw no refusal at all. Without the
 * throttle, sshd drops connections here (checked by disabling it once: "drop connection
 * ... past MaxStartups" in the bastion's log, hosts failing to connect).
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

const HOSTS = 30
let fleet: Fleet
let project: Project | undefined

beforeAll(async () => {
  fleet = await startFleet({ hosts: HOSTS, behindBastion: true })
})
afterAll(async () => {
  project?.cleanup()
  await fleet?.stop()
})

/** What sshd logs when MaxStartups turns a connection away (LogLevel INFO). */
const REFUSALS = /drop connection #\d+|beginning MaxStartups throttling/g

describe('a fleet behind one default-configured bastion', () => {
  it('deploys to every host with --concurrency 40 and no refused connection', async () => {
    const names = fleet.hosts.map((h) => h.name)
    project = fleetProject(fleet, { app: 'behind', hosts: names.map((name, i) => `- { host: ${name}${i === 0 ? ', primary: true' : ''} }`) })
    const deployed = await project.berth(['deploy', 'production', '-q', '--concurrency', '40'])
    const refusals = readFileSync(fleet.bastion!.logFile, 'utf8').match(REFUSALS) ?? []
    expect(refusals, all(deployed)).toEqual([])
    expect(deployed.code, all(deployed)).toBe(0)
    const lives = names.map((name) => onHost(fleet, name, 'behind').live())
    expect(lives.every((live) => live !== null && live === lives[0]), lives.join(' ')).toBe(true)
    // Every master went through the bastion: one login there per host.
    expect(await fleet.countLogins('bastion')).toBe(HOSTS)
  })
})
