/**
 * `rollback`: every selected host goes back to one release (SPEC §4), switched the same
 * atomic way as a deploy; the release it leaves is marked rolled-back; then the
 * `rollback` hooks run (config entries, then the target release's `deploy/rollback*`).
 */
import type { ResolvedConfig } from '../config/types.js'
import { toBerthError, type BerthError } from '../errors.js'
import type { HostOutcome } from '../events.js'
import { selectRunHosts } from '../inventory/select.js'
import { appendHistory, switchCurrent, writeRecord } from '../release/commands.js'
import { withState, type ReleaseRecord } from '../release/record.js'
import { shellQuote as q } from '../transport/quote.js'
import { createTransports, closeTransports } from '../transport/factory.js'
import { runHookOnHost } from './actions.js'
import { createContext, execOn, type HostRun, type RunOptions } from './context.js'
import { planHook } from './hooks.js'
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
  try {
    await runPhase(ctx, 'connect', runs, (run) => run.transport.connect?.({ signal: ctx.signal }) ?? Promise.resolve())
    await acquireLocks(ctx, runs, { command: 'rollback', waitMs: options.lockWaitMs })
    locked = true
    target = chooseRollbackTarget(runs.map((run) => ({ host: run.host.name, state: run.state! })), options.to)
    ctx.report({ kind: 'log', level: 'info', message: `rolling back to ${target}` })
    await runPhase(ctx, 'switch', runs, async (run) => {
      const state = run.state!
      const from = state.current
      left.set(run.host.name, from)
      if (from === target) return
      const now = ctx.now()
      const lines = [switchCurrent(ctx.layout, target), writeRecord(ctx.layout, withState(recordOf(state.records, target), 'active', now))]
      if (from !== null) lines.push(writeRecord(ctx.layout, withState(recordOf(state.records, from), 'rolled-back', now)))
      await execOn(ctx, run, lines.join(' && '), { step: 'switch' })
      ctx.report({ kind: 'release:switched', host: run.host.name, from, to: target })
    })
    const invocations = planHook('rollback', { config, hosts, defaultCwd: ctx.layout.release(target), repoHooks: new Map() })
    await runPhase(ctx, 'rollback', runs, async (run) => {
      const release = { id: target, revision: run.state!.records.get(target)?.revision ?? '', previous: left.get(run.host.name) ?? null }
      for (const invocation of invocations.filter((inv) => inv.host === run.host.name)) await runHookOnHost(ctx, run, invocation, release)
      await runHookOnHost(ctx, run, repoRollbackHook(ctx.layout.release(target)), release)
    })
  } catch (caught) {
    error = toBerthError(caught)
    if (!locked) {
      await closeTransports(transports)
      throw error
    }
  }
  const durationMs = performance.now() - started
  const entry = (run: HostRun): object => ({
    kind: 'rollback',
    id: ctx.token,
    at: ctx.now().toISOString(),
    environment: config.environment,
    user: ctx.identity.user,
    machine: ctx.identity.machine,
    from: left.get(run.host.name) ?? run.state?.current ?? null,
    ...(target === '' ? {} : { release: target }),
    hosts: hosts.map((h) => h.name),
    result: error === null && run.failed === null ? 'success' : 'failed',
    durationMs: Math.round(durationMs),
  })
  await releaseLocks(ctx, runs, (run) => appendHistory(ctx.layout, entry(run)))
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
  const summary = { kind: 'run:summary', command: 'rollback', ok, outcomes, destructive: describeRollback(ok, outcomes), durationMs } as const
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

/** The target release's own `deploy/rollback` executables, found on the host at run time. */
function repoRollbackHook(releasePath: string) {
  return {
    hook: 'rollback' as const,
    source: 'deploy/rollback*',
    host: null,
    command: `cd ${q(releasePath)} || exit 1\nfor f in deploy/rollback deploy/rollback.*; do if [ -f "$f" ] && [ -x "$f" ]; then "./$f" || exit $?; fi; done`,
    display: 'deploy/rollback*',
    cwd: releasePath,
    env: {},
  }
}
