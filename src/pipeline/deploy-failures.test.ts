/**
 * A deploy going wrong on some hosts of a fleet, made to happen on purpose with the fake
 * transport: what each host's disk holds afterwards (`current`, the lock, the release's
 * record), what berth asked the hosts to do, and what it told the user.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HostsFailedError, InterruptedError, LockHeldError, TransportError, type BerthError } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { createFleetProject, type FleetProject } from './__fixtures__/fake-fleet.js'
import { deploy } from './deploy.js'
import { isProcessAlive } from '../process-alive.js'

let p: FleetProject
afterEach(() => p.cleanup())

/** A fleet with one release live everywhere (the one a failed deploy must leave or put back). */
async function fleetWithRelease(count: number, extraYaml: string[] = []): Promise<string> {
  p = await createFleetProject(count, extraYaml)
  const first = await deploy(p.config, p.options())
  expect(first.outcome?.ok).toBe(true)
  return first.outcome!.release
}

const summaryOf = (events: BerthEvent[]) => events.find((e): e is Extract<BerthEvent, { kind: 'run:summary' }> => e.kind === 'run:summary')!
const warnings = (events: BerthEvent[]) => events.flatMap((e) => (e.kind === 'log' && e.level === 'warn' ? [e] : []))
const failure = (promise: Promise<unknown>): Promise<BerthError> => promise.then(() => expect.fail('the deploy should have failed'), (error: BerthError) => error)

describe('deploy on a fleet of fake hosts', () => {
  it('host 3 of 5 fails at the switch: the hosts that switched go back, every lock is freed', async () => {
    const previous = await fleetWithRelease(5)
    p.rescript({ host: 'web3', step: 'switch', reply: { exitCode: 1, stderr: 'No space left on device' } })

    const error = await failure(deploy(p.config, p.options()))

    expect(error).toBeInstanceOf(HostsFailedError)
    expect([error.code, error.exitCode, error.step]).toEqual(['HOSTS_FAILED', 1, 'switch'])
    const release = summaryOf(p.events).release!
    expect(release).not.toBe(previous)
    // The others really switched before web3's failure was known...
    const switchedForward = p.events.filter((e) => e.kind === 'release:switched' && e.to === release).map((e) => (e as { host: string }).host)
    expect(switchedForward.sort()).toEqual(['web1', 'web2', 'web4', 'web5'])
    // ...and were put back, on their own disks.
    for (const host of p.hosts) {
      expect(p.live(host), host).toBe(previous)
      expect(p.isLocked(host), host).toBe(false)
      expect(JSON.parse(p.read(host, `.berth/releases/${release}.json`)).state, host).toBe('failed')
    }
    const putBack = p.events.filter((e) => e.kind === 'release:switched' && e.from === release && e.to === previous).map((e) => (e as { host: string }).host)
    expect(putBack.sort()).toEqual(['web1', 'web2', 'web3', 'web4', 'web5'])

    const summary = summaryOf(p.events)
    expect(summary.ok).toBe(false)
    const web3 = summary.outcomes.find((o) => o.host === 'web3')!
    expect([web3.failedStep, web3.live, web3.switched]).toEqual(['switch', previous, false])
    expect(web3.error?.message).toContain('exited with code 1')
    for (const outcome of summary.outcomes.filter((o) => o.host !== 'web3')) {
      expect([outcome.stoppedAt, outcome.failedStep, outcome.live, outcome.switched], outcome.host).toEqual(['switch', undefined, previous, false])
    }
    expect(summary.destructive).toContain('rolled back')
    expect(p.fleet.callsAt('unlock').map((c) => c.host).sort()).toEqual(p.hosts)
  })

  it('the fetch fails on one host (a full disk): its incomplete release is removed, its record kept as failed', async () => {
    const previous = await fleetWithRelease(3)
    // The upload really lands on web2's disk, then its round trip reports failure.
    p.rescript({ host: 'web2', step: 'fetch', reply: { exitCode: 2, stderr: 'tar: Cannot write: No space left on device', isRunFirst: true } })

    await failure(deploy(p.config, p.options()))

    const release = summaryOf(p.events).release!
    for (const host of p.hosts) {
      expect(p.live(host), host).toBe(previous)
      expect(p.isLocked(host), host).toBe(false)
      expect(JSON.parse(p.read(host, `.berth/releases/${release}.json`)).state, host).toBe('failed')
    }
    // Half a tree is nothing to inspect, and may be what filled the disk; the complete
    // releases of the hosts stopped by web2's failure stay for inspection.
    expect(p.releases('web2')).toEqual([previous])
    expect(p.releases('web1')).toEqual([previous, release])
    expect(p.releases('web3')).toEqual([previous, release])
    expect(warnings(p.events).filter((w) => w.message.includes('could not mark'))).toEqual([])
  })

  it('the unlock fails on one host: a warning names it, and the deploy is still reported done', async () => {
    await fleetWithRelease(3)
    p.rescript({ host: 'web2', step: 'unlock', reply: { exitCode: 1, stderr: 'Read-only file system' } })

    const result = await deploy(p.config, p.options())

    const release = result.outcome!.release
    expect(result.outcome!.ok).toBe(true)
    expect(summaryOf(p.events).ok).toBe(true)
    for (const host of p.hosts) expect(p.live(host), host).toBe(release)
    // The unlock never ran there: its lock is still on disk, the others' are gone.
    expect(p.hosts.map((host) => p.isLocked(host))).toEqual([false, true, false])
    const unlockWarnings = warnings(p.events).filter((w) => w.message.includes('could not release the lock'))
    expect(unlockWarnings).toHaveLength(1)
    expect(unlockWarnings[0]!.message).toContain('web2')
  })

  it('Ctrl-C in the middle of a step: the hook in flight is stopped, locks are freed, the old release stays live', async () => {
    const previous = await fleetWithRelease(3, [
      'hooks:',
      '  build:',
      // Where the host's disk says so, the hook really sleeps (and says its pid).
      `    - run: 'if [ -e "$BERTH_DEPLOY_TO/../sleep" ]; then echo $$ > "$BERTH_DEPLOY_TO/../hook.pid"; exec sleep 30; fi'`,
    ])
    // web1's hook sleeps; web2's never ends (scripted); web3's returns.
    writeFileSync(p.fleet.pathOn('web1', join(dirname(p.config.deployTo), 'sleep')), '')
    const pidFile = p.fleet.pathOn('web1', join(dirname(p.config.deployTo), 'hook.pid'))
    p.rescript({ host: 'web2', step: 'build', reply: { hang: true } })
    const controller = new AbortController()

    const running = failure(deploy(p.config, p.options({ signal: controller.signal })))
    await p.fleet.reached({ host: 'web2', step: 'build' })
    await waitFor(() => p.fleet.callsAt('build', 'web1').length === 1 && readPid(pidFile) !== null)
    controller.abort()
    const error = await running

    expect(error).toBeInstanceOf(InterruptedError)
    expect([error.code, error.exitCode]).toEqual(['INTERRUPTED', 130])
    expect(p.fleet.callsAt('build').map((c) => [c.host, c.ended])).toEqual(
      expect.arrayContaining([
        ['web1', 'interrupted'],
        ['web2', 'interrupted'],
      ]),
    )
    expect(isProcessAlive(readPid(pidFile)!)).toBe(false)
    expect(p.fleet.callsAt('switch')).toEqual([])
    for (const host of p.hosts) {
      expect(p.live(host), host).toBe(previous)
      expect(p.isLocked(host), host).toBe(false)
      const history = p.read(host, '.berth/history.jsonl').trim().split('\n')
      expect(JSON.parse(history.at(-1)!), host).toMatchObject({ kind: 'deploy', result: 'interrupted' })
    }
  }, 15_000)

  it('a host unreachable at connect: no host is touched at all', async () => {
    const previous = await fleetWithRelease(3)
    p.rescript({ host: 'web3', step: 'connect', reply: { unreachable: 'Connection refused' } })

    const error = await failure(deploy(p.config, p.options()))

    expect(error).toBeInstanceOf(HostsFailedError)
    expect([error.step, error.exitCode]).toEqual(['connect', 1])
    expect((error as HostsFailedError).errors[0]).toBeInstanceOf(TransportError)
    expect((error as HostsFailedError).errors[0]!.host).toBe('web3')
    // Nothing but the connections was asked of any host: no lock, no upload, no release.
    expect(p.fleet.calls.map((c) => c.step)).toEqual(['connect', 'connect', 'connect'])
    for (const host of p.hosts) {
      expect(p.live(host), host).toBe(previous)
      expect(p.isLocked(host), host).toBe(false)
      expect(p.releases(host), host).toEqual([previous])
    }
  })

  it('a lock held on host 2 of 3: exit 3, and the locks this run took are freed', async () => {
    const previous = await fleetWithRelease(3)
    const lock = p.fleet.pathOn('web2', join(p.config.deployTo, '.berth', 'lock'))
    mkdirSync(lock)
    const holder = { user: 'alice', machine: 'laptop-elsewhere', pid: 4242, since: new Date().toISOString(), command: 'deploy', token: 'alices-token' }
    writeFileSync(join(lock, 'info.json'), `${JSON.stringify(holder)}\n`)
    writeFileSync(join(lock, 'token'), 'alices-token\n')
    writeFileSync(join(lock, 'heartbeat'), `${Math.floor(Date.now() / 1000)}\n`)
    p.rescript()

    const error = await failure(deploy(p.config, p.options()))

    expect(error).toBeInstanceOf(LockHeldError)
    expect([error.code, error.exitCode, error.host]).toEqual(['LOCKED', 3, 'web2'])
    expect(error.message).toContain('alice')
    // web1 and web3 were locked by this run and freed again; alice's lock is untouched.
    expect(p.fleet.callsAt('lock').map((c) => c.host).sort()).toEqual(['web1', 'web2', 'web3'])
    expect(p.fleet.callsAt('unlock').map((c) => c.host).sort()).toEqual(['web1', 'web3'])
    expect(p.hosts.map((host) => p.isLocked(host))).toEqual([false, true, false])
    expect(p.read('web2', '.berth/lock/token')).toBe('alices-token\n')
    expect(p.fleet.callsAt('fetch')).toEqual([])
    for (const host of p.hosts) expect(p.live(host), host).toBe(previous)
  })
})

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}


async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
