import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../config/types.js'
import { LockHeldError, type LockHolder } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { parseHistoryLine } from '../history/entry.js'
import type { Identity } from './context.js'
import { isProvablyDead } from './lock.js'
import { lockEnvironment, unlockEnvironment } from './manual-lock.js'

const runner: Identity = { user: 'ci', machine: 'runner', machineId: 'id-of-runner-a', pid: 1 }
const holder = (fields: Partial<LockHolder>): LockHolder => ({ user: 'ci', machine: 'runner', pid: 4242, since: '2026-12-02T10:00:00.000Z', ...fields })
const dead = (): boolean => false
const alive = (): boolean => true

describe('isProvablyDead', () => {
  it('never breaks the lock of a runner with the same host name but another machine id', () => {
    expect(isProvablyDead(holder({ machineId: 'id-of-runner-b' }), runner, dead)).toBe(false)
  })

  it('breaks a lock whose process is gone from this same machine', () => {
    expect(isProvablyDead(holder({ machineId: 'id-of-runner-a' }), runner, dead)).toBe(true)
    expect(isProvablyDead(holder({ machineId: 'id-of-runner-a', machine: 'renamed' }), runner, dead)).toBe(true)
    expect(isProvablyDead(holder({ machineId: 'id-of-runner-a' }), runner, alive)).toBe(false)
  })

  it('matches by host name only a lock written without a machine id (older versions)', () => {
    expect(isProvablyDead(holder({}), runner, dead)).toBe(true)
    expect(isProvablyDead(holder({ machine: 'elsewhere' }), runner, dead)).toBe(false)
    // This run has no id of its own (config dir not writable): an id on the lock cannot be matched.
    expect(isProvablyDead(holder({ machineId: 'id-of-runner-a' }), { user: 'ci', machine: 'runner', pid: 1 }, dead)).toBe(false)
  })

  it('never breaks a manual lock or one without a usable pid', () => {
    expect(isProvablyDead(holder({ machineId: 'id-of-runner-a', manual: true }), runner, dead)).toBe(false)
    expect(isProvablyDead(holder({ machineId: 'id-of-runner-a', pid: Number.NaN }), runner, dead)).toBe(false)
  })
})

describe('taking a lock left on a host', () => {
  let deployTo = ''
  beforeEach(() => {
    deployTo = mkdtempSync(join(tmpdir(), 'berth-lock-'))
  })
  afterEach(() => rmSync(deployTo, { recursive: true, force: true }))

  const config = (): ResolvedConfig =>
    ({
      app: 'shop',
      environment: 'production',
      deployTo,
      hosts: [{ name: 'web1', host: 'web1', roles: ['all'], primary: true, transport: 'local' }],
    }) as unknown as ResolvedConfig

  /** A lock whose holder process has exited, with a fresh heartbeat. */
  function leaveLock(fields: Partial<LockHolder>): number {
    const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
    const dir = join(deployTo, '.berth', 'lock')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'info.json'), `${JSON.stringify({ ...holder({ pid, ...fields }), token: 'their-token' })}\n`)
    writeFileSync(join(dir, 'token'), 'their-token\n')
    writeFileSync(join(dir, 'heartbeat'), `${Math.floor(Date.now() / 1000)}\n`)
    return pid
  }

  it('leaves a lock of another runner with the same host name alone', async () => {
    leaveLock({ machineId: 'id-of-runner-b' })
    const events: BerthEvent[] = []
    const taking = lockEnvironment(config(), { identity: runner, reporter: (event) => events.push(event) })
    await expect(taking).rejects.toBeInstanceOf(LockHeldError)
    expect(readFileSync(join(deployTo, '.berth', 'lock', 'token'), 'utf8')).toBe('their-token\n')
    expect(events.filter((event) => event.kind === 'lock:broken')).toEqual([])
  })

  it('breaks a dead lock of this machine, records it and writes its own id into the new one', async () => {
    const pid = leaveLock({ machineId: 'id-of-runner-a' })
    await lockEnvironment(config(), { identity: runner, now: () => new Date('2026-12-02T11:00:00.000Z') })
    const info = JSON.parse(readFileSync(join(deployTo, '.berth', 'lock', 'info.json'), 'utf8')) as LockHolder
    expect(info).toMatchObject({ machine: 'runner', machineId: 'id-of-runner-a', manual: true, since: '2026-12-02T11:00:00.000Z' })
    expect(info.pid).toBe(1)
    const history = readFileSync(join(deployTo, '.berth', 'history.jsonl'), 'utf8').trim().split('\n')
    expect(history.map(parseHistoryLine)).toEqual([
      {
        v: 1,
        kind: 'lock-broken',
        at: '2026-12-02T11:00:00.000Z',
        user: 'ci',
        machine: 'runner',
        machineId: 'id-of-runner-a',
        holder: holder({ pid, machineId: 'id-of-runner-a' }),
        why: `its holder (pid ${pid} on runner) is gone`,
      },
    ])
    expect(existsSync(join(deployTo, '.berth', 'lock', 'token'))).toBe(true)
    expect(history.join('')).not.toContain('their-token')
  })

  /** A hook the dead holder's run left running: its own process group, recorded under the lock as a tracked hook records itself. */
  function leaveHook(ignoreTerm: boolean): { pid: number; exited: Promise<unknown> } {
    const child = spawn('/bin/sh', ['-c', `${ignoreTerm ? "trap '' TERM; " : ''}exec sleep 30`], { detached: true, stdio: 'ignore' })
    const pid = child.pid!
    const start = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[21]
    writeFileSync(join(deployTo, '.berth', 'lock', `hook.${pid}`), `${pid} ${pid} ${start} migrate (hooks.migrate[0])\n`)
    return { pid, exited: new Promise((resolve) => child.on('close', resolve)) }
  }

  it('does not break a dead holder\'s lock while a hook of its run still runs; unlock --force stops it first and records it', async () => {
    leaveLock({ machineId: 'id-of-runner-a' })
    const hook = leaveHook(true)
    try {
      const events: BerthEvent[] = []
      const taking = lockEnvironment(config(), { identity: runner, reporter: (event) => events.push(event) })
      await expect(taking).rejects.toMatchObject({
        code: 'LOCKED',
        host: 'web1',
        hooks: [{ pid: hook.pid, pgid: hook.pid, hook: 'migrate (hooks.migrate[0])' }],
        message: expect.stringContaining(`its hook migrate (hooks.migrate[0]) (pid ${hook.pid}) still runs there`),
        hint: expect.stringContaining('berth unlock production --force'),
      })
      expect(readFileSync(join(deployTo, '.berth', 'lock', 'token'), 'utf8')).toBe('their-token\n')
      expect(events.filter((event) => event.kind === 'lock:broken')).toEqual([])

      const freed = await unlockEnvironment(config(), { identity: runner, force: true, reporter: (event) => events.push(event) })
      expect(freed).toEqual(['web1'])
      await hook.exited
      expect(existsSync(join(deployTo, '.berth', 'lock'))).toBe(false)
      expect(events).toContainEqual(expect.objectContaining({ kind: 'log', level: 'warn', message: `stopped hook migrate (hooks.migrate[0]) (pid ${hook.pid}) that the lock's holder left running (SIGKILL)` }))
      const history = readFileSync(join(deployTo, '.berth', 'history.jsonl'), 'utf8').trim().split('\n').map(parseHistoryLine)
      expect(history).toEqual([expect.objectContaining({ kind: 'unlock-forced', stoppedHooks: [{ hook: 'migrate (hooks.migrate[0])', pid: hook.pid, signal: 'KILL' }] })])
    } finally {
      try {
        process.kill(-hook.pid, 'SIGKILL')
      } catch {
        // stopped already
      }
    }
  }, 30_000)

  it('breaks a dead holder\'s lock once its hook has ended', async () => {
    leaveLock({ machineId: 'id-of-runner-a' })
    const hook = leaveHook(false)
    process.kill(-hook.pid, 'SIGTERM')
    await hook.exited
    await lockEnvironment(config(), { identity: runner })
    expect(readFileSync(join(deployTo, '.berth', 'lock', 'info.json'), 'utf8')).toContain('id-of-runner-a')
    expect(existsSync(join(deployTo, '.berth', 'lock', `hook.${hook.pid}`))).toBe(false)
  })
})
