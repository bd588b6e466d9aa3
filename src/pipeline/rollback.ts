/**
 * `rollback`: every selected host goes back to one release (SPEC §4), switched the same
 * atomic way as a deploy; the release it leaves is marked rolled-back; then the
 * `rollback` hooks run (config entries, then the target release's `deploy/rollback*`).
 */
import type { ResolvedConfig } from '../config/types.js'
import { toBerthError, type BerthError } from '../errors.js'
import type { HostOutcome } from '../events.js'
import { selectRunHosts } from '../inventory/select.js'
import { withState, type ReleaseRecord } from '../release/record.js'
import { appendHistory } from '../remote/history.js'
import { runExecutable } from '../remote/hooks.js'
import { releaseLock } from '../remote/lock.js'
import { writeRecord } from '../remote/release.js'
import { all } from '../remote/script.js'
import { switchCurrent } from '../remote/switch.js'
import { createTransports, closeTransports } from '../transport/factory.js'
import { runHookOnHost } from './actions.js'
import { createContext, execOn, type HostRun, type RunOptions } from './context.js'
import { planHook, type HookInvocation } from './hooks.js'
import { acquireLocks, releaseLocks } from './lock.js'
import { runPhase } from './phase.js'
import { chooseRollbackTarget } from './rollback-target.js'

export interface RollbackOptions extends RunOptions {
  /** Release to go to. @default the newest good release before `current`, on every host */
  to?: string
  lockWaitMs?: number
}

export interface RollbackOutcome {
  release: string
  outcomes: HostOutcome[]
  durationMs: number
}

export async function rollback(config: ResolvedConfig, options: RollbackOptions = {}): Promise<RollbackOutcome> {
  const started = performance.now()
  const ctx = createContext(config, options)
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const transports = createTransports(config, hosts, options.transportFactory)
  const runs: HostRun[] = hosts.map((host) => ({ host, transport: transports.get(host.name)!, state: null, failed: null }))
  ctx.report({ kind: 'run:start', command: 'rollback', environment: config.environment, hosts: hosts.map((h) => h.name) })
  let locked = false
  let target = options.to ?? ''
  const left = new Map<string, string | null>()
  let error: BerthError | null = null
  const unlocked = new Set<HostRun>()
  const entry = (run: HostRun, result: 'success' | 'failed'): object => ({
    kind: 'rollback',
    id: ctx.token,
    at: ctx.now().toISOString(),
    environment: config.environment,
    user: ctx.identity.user,
    machine: ctx.identity.machine,
    from: left.get(run.host.name) ?? run.state?.current ?? null,
    ...(target === '' ? {} : { release: target }),
    hosts: hosts.map((h) => h.name),
    result,
    durationMs: Math.round(performance.now() - started),
  })
  try {
    // Every host must be reachable and trusted before any is touched, even by a lock.
    await runPhase(ctx, 'connect', runs, (run) => run.transport.connect?.({ signal: ctx.signal }) ?? Promise.resolve())
    await acquireLocks(ctx, runs, { command: 'rollback', waitMs: options.lockWaitMs, inspect: { withRollbackHooks: true } })
    locked = true
    target = chooseRollbackTarget(runs.map((run) => ({ host: run.host.name, state: run.state! })), options.to, config.environment)
    ctx.report({ kind: 'log', level: 'info', message: `rolling back to ${target}` })
    const hooksOf = (run: HostRun): HookInvocation[] => [
      ...planHook('rollback', { config, hosts: [run.host], defaultCwd: ctx.layout.release(target), repoHooks: new Map() }),
      ...(run.state!.rollbackHooks.get(target) ?? []).map((file) => repoHook(ctx.layout.release(target), file, run.host.name)),
    ]
    await runPhase(ctx, 'switch', runs, async (run) => {
      const state = run.state!
      const from = state.current
      left.set(run.host.name, from)
      const lines: string[] = []
      if (from !== target) {
        const now = ctx.now()
        lines.push(switchCurrent(ctx.layout, target), writeRecord(ctx.layout, withState(recordOf(state.records, target), 'active', now)))
        if (from !== null) lines.push(writeRecord(ctx.layout, withState(recordOf(state.records, from), 'rolled-back', now)))
      }
      // Without hooks, the history line and the unlock ride in the same round trip.
      const finishesHere = hooksOf(run).filter((inv) => inv.host !== null).length === 0
      if (finishesHere) lines.push(appendHistory(ctx.layout, entry(run, 'success')), releaseLock(ctx.layout, ctx.token))
      if (lines.length > 0) await execOn(ctx, run, all(...lines), { step: 'switch' })
      if (finishesHere) unlocked.add(run)
      if (from !== target) ctx.report({ kind: 'release:switched', host: run.host.name, from, to: target })
    })
    await runPhase(ctx, 'rollback', runs.filter((run) => !unlocked.has(run)), async (run) => {
      const release = { id: target, revision: run.state!.records.get(target)?.revision ?? '', previous: left.get(run.host.name) ?? null }
      for (const invocation of hooksOf(run)) if (invocation.host !== null) await runHookOnHost(ctx, run, invocation, release)
    })
  } catch (caught) {
    error = toBerthError(caught)
    if (!locked) {
      await closeTransports(transports)
      throw error
    }
  }
  const durationMs = performance.now() - started
  await releaseLocks(ctx, runs.filter((run) => !unlocked.has(run)), (run) => appendHistory(ctx.layout, entry(run, error === null && run.failed === null ? 'success' : 'failed')))
  await closeTransports(transports)
  const outcomes: HostOutcome[] = runs.map((run) => {
    const switched = left.has(run.host.name) && run.failed?.step !== 'switch'
    const outcome: HostOutcome = { host: run.host.name, live: switched ? target : (run.state?.current ?? null), switched }
    if (run.failed) Object.assign(outcome, { failedStep: run.failed.step, error: run.failed.error })
    // A run-wide failure (no target, a lock held) concerns every host it names.
    else if (error && (error.host === undefined || error.host === run.host.name)) Object.assign(outcome, { failedStep: error.step ?? 'rollback', error })
    return outcome
  })
  const ok = error === null
  const where = { environment: config.environment, deployTo: config.deployTo }
  const summary = { kind: 'run:summary', command: 'rollback', ok, outcomes, destructive: describeRollback(ok, outcomes), durationMs, where } as const
  ctx.report(target === '' ? summary : { ...summary, release: target })
  if (error) throw error
  return { release: target, outcomes, durationMs }
}

function describeRollback(ok: boolean, outcomes: HostOutcome[]): string {
  if (ok) return 'nothing needs a person'
  const moved = outcomes.filter((outcome) => outcome.switched)
  if (moved.length === 0) return 'nothing destructive happened: every host is on the release it had'
  return `rollback stopped: ${moved.map((outcome) => outcome.host).join(', ')} switched to ${moved[0]!.live}; check the hosts above`
}

function recordOf(records: ReadonlyMap<string, ReleaseRecord>, id: string): ReleaseRecord {
  return records.get(id) ?? { release: id, state: 'ready', revision: '', ref: '', createdAt: '', updatedAt: '', deployedBy: '' }
}

/** One of the target release's own `deploy/rollback*` executables (listed when the lock was taken). */
function repoHook(releasePath: string, file: string, host: string): HookInvocation {
  return {
    hook: 'rollback',
    source: file,
    host,
    command: runExecutable(releasePath, file),
    display: file,
    cwd: releasePath,
    env: {},
  }
}
