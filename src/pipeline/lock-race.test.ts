import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LockHeldError } from '../errors.js'
import { createFleetProject, type FleetProject } from './__fixtures__/fake-fleet.js'
import { lockEnvironment } from './manual-lock.js'

/**
 * Runs lock every host in one round trip; the first host in name order (the gate) decides
 * between runs that lock at once (see `lock.ts`).
 */
describe('locking a fleet at once', () => {
  let p: FleetProject
  afterEach(() => p.cleanup())

  const lockDir = (host: string): string => p.fleet.pathOn(host, join(p.config.deployTo, '.berth', 'lock'))
  const tokens = (): string[] => p.hosts.map((host) => p.read(host, '.berth/lock/token'))

  /** A deploy's lock on `host`, from another machine, for a run whose gate is `gate`. */
  function leaveLock(host: string, gate: string): void {
    const dir = lockDir(host)
    mkdirSync(dir, { recursive: true })
    const holder = { user: 'bob', machine: 'elsewhere', pid: 4242, since: new Date().toISOString(), command: 'deploy', token: 'bobs-token', gate }
    writeFileSync(join(dir, 'info.json'), `${JSON.stringify(holder)}\n`)
    writeFileSync(join(dir, 'token'), 'bobs-token\n')
    writeFileSync(join(dir, 'heartbeat'), `${Math.floor(Date.now() / 1000)}\n`)
  }

  it('takes every lock in one round trip when none is held', async () => {
    p = await createFleetProject(4)
    await lockEnvironment(p.config, p.options())
    expect(p.fleet.callsAt('lock').map((call) => call.host).sort()).toEqual(p.hosts)
    expect(new Set(tokens()).size).toBe(1)
  })

  it('two runs at once over the same hosts: one holds them all, the other exits 3 and leaves none', async () => {
    p = await createFleetProject(5)
    for (let round = 0; round < 4; round++) {
      const runs = await Promise.allSettled([lockEnvironment(p.config, p.options()), lockEnvironment(p.config, p.options())])
      const won = runs.filter((run) => run.status === 'fulfilled')
      const lost = runs.flatMap((run) => (run.status === 'rejected' ? [run.reason as unknown] : []))
      expect(won, `round ${round}`).toHaveLength(1)
      expect(lost[0], `round ${round}`).toBeInstanceOf(LockHeldError)
      // Every lock is the winner's: the loser gave back what it had taken.
      expect(new Set(tokens()).size, `round ${round}`).toBe(1)
      for (const host of p.hosts) rmSync(lockDir(host), { recursive: true })
    }
  })

  it('waits for a lock that a run which lost the gate is giving back, and takes it', async () => {
    p = await createFleetProject(3)
    leaveLock('web3', 'web1')
    let settled = false
    const taking = lockEnvironment(p.config, p.options()).finally(() => (settled = true))
    // This run has the gate and web2, and waits for web3 (bob's run, having lost the gate, is freeing it).
    for (let i = 0; i < 200 && !(p.isLocked('web1') && p.isLocked('web2')); i++) await new Promise((resolve) => setTimeout(resolve, 25))
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(settled).toBe(false)
    rmSync(lockDir('web3'), { recursive: true })
    await taking
    expect(new Set(tokens()).size).toBe(1)
    expect(tokens()[2]).not.toBe('bobs-token\n')
  })

  it('does not wait for a lock of a run with another gate: exit 3 at once, every lock taken freed', async () => {
    p = await createFleetProject(3)
    leaveLock('web3', 'web3')
    const started = Date.now()
    await expect(lockEnvironment(p.config, p.options())).rejects.toMatchObject({ code: 'LOCKED', host: 'web3' })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(p.hosts.map((host) => p.isLocked(host))).toEqual([false, false, true])
    expect(p.read('web3', '.berth/lock/token')).toBe('bobs-token\n')
  })

  it('queues behind a run that holds the gate: gives back what it took, and exits 3 naming the gate', async () => {
    p = await createFleetProject(3)
    leaveLock('web1', 'web1')
    await expect(lockEnvironment(p.config, p.options())).rejects.toMatchObject({ code: 'LOCKED', host: 'web1' })
    expect(p.fleet.callsAt('unlock').map((call) => call.host).sort()).toEqual(['web2', 'web3'])
    expect(p.hosts.map((host) => p.isLocked(host))).toEqual([true, false, false])
  })

  it('keeps a lock it could not give back as its own, and frees it again when it gives up', async () => {
    p = await createFleetProject(3)
    leaveLock('web1', 'web1')
    p.rescript({ host: 'web2', step: 'unlock', reply: { exitCode: 1, stderr: 'Connection reset by peer' } })
    await expect(lockEnvironment(p.config, p.options())).rejects.toMatchObject({ code: 'LOCKED', host: 'web1' })
    // Given back once after losing the gate (failed), then again when the run gave up.
    expect(p.fleet.callsAt('unlock').filter((call) => call.host === 'web2')).toHaveLength(2)
    expect(p.isLocked('web3')).toBe(false)
  })
})
