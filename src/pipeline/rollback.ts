/**
 * `rollback`: every selected host goes back to one release (see the README), switched by
 * the same switch as a deploy (`switchRelease`); the release it leaves is marked
 * rolled-back; then the `rollback` hooks run (config entries, then the target release's
 * `deploy/rollback*`), then the `restart` and `verify` hooks in the release live again.
 * A host whose hooks, restart or verify fail is a failed host of the rollback.
 */
import { assessRollback } from '../attention.js'
import type { ResolvedConfig } from '../config/types.js'
import { describeAttention } from '../attention-text.js'
import { HostsFailedError, type BerthError } from '../errors.js'
import { historyActor, rollbackEntry, type RollbackEntry } from '../history/entry.js'
import type { HostOutcome } from '../events.js'
import { recordOn } from '../release/host-state.js'
import { appendHistory } from '../remote/history.js'
import { runExecutable } from '../remote/hooks.js'
import { releaseLock } from '../remote/lock.js'
import { all } from '../remote/script.js'
import { switchRelease } from '../remote/switch.js'
import { runHookOnHost, runLocalHooks } from './actions.js'
import { execOn, type HostRun, type RunContext, type RunOptions } from './context.js'
import { lockedWork, withFleet } from './fleet-run.js'
import { planHook, type HookInvocation } from './hooks.js'
import { runPhase } from './phase.js'
import { planRestart, restartOnHost, RESTART_HOOKS } from './restart-after-rollback.js'
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
  return withFleet(config, options, async (fleet) => {
    const { ctx, runs } = fleet
    ctx.report({ kind: 'run:start', command: 'rollback', environment: config.environment, hosts: fleet.hosts.map((h) => h.name) })
    let target = options.to ?? ''
    const left = new Map<string, string | null>()
    const moved = new Set<HostRun>()
    const entry = (run: HostRun, error: BerthError | null): RollbackEntry =>
      rollbackEntry({
        id: ctx.token,
        at: ctx.now().toISOString(),
        environment: config.environment,
        ...historyActor(ctx.identity),
        from: left.get(run.host.name) ?? run.state?.current ?? null,
        ...(target === '' ? {} : { release: target }),
        hosts: fleet.hosts.map((h) => h.name),
        result: error === null && run.failed === null ? 'success' : 'failed',
        durationMs: performance.now() - started,
      })
    const lock = { command: 'rollback', waitMs: options.lockWaitMs, inspect: { withRollbackHooks: true } }
    const error = await lockedWork(fleet, { lock, history: entry }, async () => {
      target = chooseRollbackTarget(runs.map((run) => ({ host: run.host.name, state: run.state! })), options.to, config.environment)
      ctx.report({ kind: 'log', level: 'info', message: `rolling back to ${target}` })
      const releaseDir = ctx.layout.release(target)
      // A host already on the target is left alone: no switch, no hooks, no restart.
      const moving = runs.filter((run) => run.state!.current !== target)
      const restart = planRestart(config, moving.map((run) => run.host), releaseDir)
      const hooksOf = (run: HostRun): HookInvocation[] => [
        ...planHook('rollback', { config, hosts: [run.host], defaultCwd: releaseDir, repoHooks: new Map() }),
        ...(run.state!.rollbackHooks.get(target) ?? []).map((file) => repoHook(releaseDir, file, run.host.name)),
      ]
      const hasHooks = (run: HostRun): boolean => moving.includes(run) && [...hooksOf(run), ...restart].some((inv) => inv.host === run.host.name)
      const releaseOn = (run: HostRun) => ({ id: target, revision: run.state!.records.get(target)?.revision ?? '', previous: left.get(run.host.name) ?? null })
      // Once one host has switched, every host that did must go on to its hooks and its
      // restart: another host's failure must not leave an app stopped on the old release.
      const goOn: RunContext = { ...ctx, config: { ...config, onFailure: { kind: 'continue' } } }
      await runPhase(goOn, 'switch', runs, async (run) => {
        const state = run.state!
        const from = state.current
        left.set(run.host.name, from)
        const lines: string[] = []
        if (from !== target) {
          const leaving = from === null ? null : { record: recordOn(state, from), state: 'rolled-back' as const }
          lines.push(switchRelease(ctx.layout, { to: recordOn(state, target), from: leaving, at: ctx.now() }))
        }
        // Without hooks, the history line and the unlock ride in the same round trip.
        const finishesHere = !hasHooks(run)
        if (finishesHere) lines.push(appendHistory(ctx.layout, entry(run, null)), releaseLock(ctx.layout, ctx.token))
        if (lines.length > 0) await execOn(ctx, run, all(...lines), { step: 'switch' })
        if (finishesHere) fleet.unlocked.add(run)
        if (from !== target) {
          moved.add(run)
          ctx.report({ kind: 'release:switched', host: run.host.name, from, to: target })
        }
      })
      // Each phase only on the hosts it has work for: no round trip, and no events, elsewhere.
      const withWork = (invocations: (run: HostRun) => HookInvocation[]): HostRun[] =>
        runs.filter((run) => !fleet.unlocked.has(run) && invocations(run).some((inv) => inv.host === run.host.name))
      await runPhase(goOn, 'rollback', runs, async (run) => {
        for (const invocation of hooksOf(run)) if (invocation.host !== null) await runHookOnHost(ctx, run, invocation, releaseOn(run))
      }, withWork(hooksOf))
      for (const hook of RESTART_HOOKS) {
        const invocations = restart.filter((inv) => inv.hook === hook)
        await runPhase(goOn, hook, runs, (run) => restartOnHost(ctx, run, invocations, releaseOn(run), false), withWork(() => invocations))
        const local = invocations.filter((inv) => inv.host === null)
        if (local.length > 0 && moved.size > 0) await runLocalHooks(ctx, local, { id: target, revision: '', previous: null }, [...moved].map((run) => run.host.name))
      }
      const failed = runs.filter((run) => run.failed !== null)
      if (failed.length > 0) throw new HostsFailedError(failed[0]!.failed!.step, failed.map((run) => run.failed!.error), runs.length)
    })
    const durationMs = performance.now() - started
    const outcomes: HostOutcome[] = runs.map((run) => {
      const switched = moved.has(run)
      const outcome: HostOutcome = { host: run.host.name, live: switched ? target : (run.state?.current ?? null), switched }
      if (run.failed) Object.assign(outcome, { failedStep: run.failed.step, error: run.failed.error })
      // A run-wide failure (no target, a lock held) concerns every host it names; hosts that
      // failed a step carry their own error above, and the others did not fail.
      else if (error && !(error instanceof HostsFailedError) && (error.host === undefined || error.host === run.host.name)) Object.assign(outcome, { failedStep: error.step ?? 'rollback', error })
      return outcome
    })
    const ok = error === null
    const where = { environment: config.environment, deployTo: config.deployTo }
    const attention = assessRollback(ok, outcomes)
    const summary = { kind: 'run:summary', command: 'rollback', ok, outcomes, attention, destructive: describeAttention(attention, 'rollback'), durationMs, where } as const
    ctx.report(target === '' ? summary : { ...summary, release: target })
    if (error) throw error
    return { release: target, outcomes, durationMs }
  })
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
