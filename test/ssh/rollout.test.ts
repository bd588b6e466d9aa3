/**
 * How a deploy over ssh fails and what it leaves on each host: a rolling switch whose
 * verify fails in the second batch, the `onFailure` policies, and two deploys at once.
 * Failures are switched on per release with a marker file, so the first deploy of each
 * test succeeds and gives every host an old release to stay on (or go back to).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

interface Setup {
  project: Project
  hosts: HostView[]
  /** The release every host is on after the first deploy. */
  v1: string
}

/** A project deployed once to all three hosts. */
async function deployed(app: string, extra: string[], environment: string[] = []): Promise<Setup> {
  const project = fleetProject(fleet, { app, extra, environment })
  projects.push(project)
  const hosts = NAMES.map((name) => onHost(fleet, name, app))
  const first = await project.berth(['deploy', 'production', '-q'])
  expect(first.code, all(first)).toBe(0)
  return { project, hosts, v1: hosts[0]!.live()! }
}

/** The release the second deploy created (the one that is not v1). */
const newRelease = (host: HostView, v1: string): string => host.releases().find((id) => id !== v1)!

describe('rolling switch', () => {
  it('a verify failing in batch 2 puts batches 1 and 2 back and never switches batch 3', async () => {
    const { project, hosts, v1 } = await deployed(
      'rolling',
      ['hooks:', '  verify:', '    - run: test ! -f fail-verify || test "$BERTH_HOST" != web2'],
      ['rollout: { batch: 1, pause: 0s }'],
    )
    project.commit({ 'fail-verify': 'web2\n' })
    const result = await project.berth(['deploy', 'production'])
    expect(result.code, all(result)).toBe(1)
    const v2 = newRelease(hosts[0]!, v1)
    for (const host of hosts) {
      expect(host.live()).toBe(v1)
      expect(host.state(v1)).toBe('active')
      expect(host.state(v2)).toBe('failed')
      expect(host.locked()).toBe(false)
    }
    // web3 (batch 3) prepared the release but never went live: no rollback hooks, no switch.
    expect(hosts[2]!.history().at(-1)).toMatchObject({ result: 'failed' })
    const summary = all(result)
    expect(summary).toMatch(/web2 failed at verify:/)
    expect(summary).toMatch(/1 of 3 hosts failed/)
    expect(summary).toMatch(/web1\s+\S+\s+– stopped at verify/)
    expect(summary).toMatch(/web3\s+\S+\s+– stopped at verify/)
    expect(summary).toMatch(/batch 2\/3: web2/)
  })
})

describe('onFailure', () => {
  const failBuildOn = (condition: string): string[] => ['hooks:', '  build:', `    - run: test ! -f fail-build || ${condition}`]

  it('continue: the other hosts deploy, the failed one stays on its old release, exit 1', async () => {
    const { project, hosts, v1 } = await deployed('continue', ['onFailure: continue', ...failBuildOn('test "$BERTH_HOST" != web2')])
    project.commit({ 'fail-build': '\n' })
    const result = await project.berth(['deploy', 'production'])
    expect(result.code, all(result)).toBe(1)
    const v2 = newRelease(hosts[0]!, v1)
    expect(hosts.map((h) => h.live())).toEqual([v2, v1, v2])
    expect(hosts[1]!.state(v2)).toBe('failed')
    expect(hosts[1]!.state(v1)).toBe('active')
    for (const host of hosts) expect(host.locked()).toBe(false)
    expect(all(result)).toMatch(/web2/)
    expect(all(result)).toMatch(/build/)
  })

  it('maxFailed 1: one failed host is tolerated, two abort the deploy with nobody switched', async () => {
    const { project, hosts, v1 } = await deployed('maxfailed', ['onFailure: { maxFailed: 1 }', ...failBuildOn('! grep -qx "$BERTH_HOST" fail-build')])
    project.commit({ 'fail-build': 'web2\n' })
    const one = await project.berth(['deploy', 'production', '-q'])
    expect(one.code, all(one)).toBe(1)
    const v2 = newRelease(hosts[0]!, v1)
    expect(hosts.map((h) => h.live())).toEqual([v2, v1, v2])
    expect(hosts[1]!.state(v2)).toBe('failed')

    project.commit({ 'fail-build': 'web1\nweb2\n' })
    const two = await project.berth(['deploy', 'production', '-q'])
    expect(two.code, all(two)).toBe(1)
    expect(all(two)).toMatch(/2\/3 hosts failed at step 'build'/)
    const v3 = hosts[2]!.releases().find((id) => id !== v1 && id !== v2)!
    expect(hosts.map((h) => h.live())).toEqual([v2, v1, v2])
    for (const host of hosts) {
      expect(host.state(v3)).toBe('failed')
      expect(host.locked()).toBe(false)
    }
  })
})

describe('two deploys at once', () => {
  it('one wins, the other exits 3 naming the holder, and the winner completes', async () => {
    // The winner's build takes 2 s, and on a loaded machine waits (up to 20 s) until the
    // loser has been turned away, so the loser always meets a deploy in progress.
    const wait = 'i=0; until [ -f __BASE__/loser-done ] || [ $i -ge 200 ]; do sleep 0.1; i=$((i+1)); done'
    const { project, hosts, v1 } = await deployed('concurrent', ['hooks:', '  build:', `    - run: test ! -f slow || { sleep 2; ${wait}; }`])
    project.commit({ slow: '\n' })
    const winner = project.spawnBerth(['deploy', 'production', '-q'])
    let winnerOutput = ''
    winner.stdout.on('data', (d: Buffer) => (winnerOutput += d.toString()))
    winner.stderr.on('data', (d: Buffer) => (winnerOutput += d.toString()))
    const winnerDone = new Promise<number | null>((resolve) => winner.on('close', resolve))
    await waitFor(() => hosts.every((h) => h.locked()) && hosts.some((h) => h.releases().length === 2), 10_000, 'the first deploy to lock every host')

    const loser = await project.berth(['deploy', 'production', '-q'])
    writeFileSync(join(project.base, 'loser-done'), '')
    expect(loser.code, all(loser)).toBe(3)
    expect(all(loser)).toMatch(new RegExp(`web1 is locked by ${fleet.user}@\\S+ \\(pid ${winner.pid}\\)`))

    expect(await winnerDone, winnerOutput).toBe(0)
    const v2 = newRelease(hosts[0]!, v1)
    for (const host of hosts) {
      expect(host.live()).toBe(v2)
      expect(host.locked()).toBe(false)
    }
  })
})
