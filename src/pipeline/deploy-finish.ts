/**
 * The end of a deploy, successful or not: hosts that failed after switching go back to
 * their previous release, releases that did not make it are marked failed (and kept for
 * inspection), cleanup runs where the deploy succeeded, every host gets its history line
 * and its lock back, and one summary says what is live where and whether a person is needed.
 */
import type { BerthError } from '../errors.js'
import { HostsFailedError, InterruptedError } from '../errors.js'
import type { HostOutcome } from '../events.js'
import { settleAll } from '../fleet/pool.js'
import { withState, type ReleaseRecord } from '../release/record.js'
import { appendHistory } from '../remote/history.js'
import { removeReleases, tryRemoveReleases, writeRecord } from '../remote/release.js'
import { all, script } from '../remote/script.js'
import { switchCurrent, unsetCurrent } from '../remote/switch.js'
import { runHookOnHost, runLocalHooks } from './actions.js'
import { execOn, type HostRun, type RunContext } from './context.js'
import { planHook } from './hooks.js'
import { releaseLocks } from './lock.js'
import { releasesToRemove } from './retention.js'
import type { StepHookRunner } from './step-hooks.js'
import { previousRecord } from './steps.js'

export interface DeployRun extends HostRun {
  /** Release `current` pointed at when the run took the lock. */
  previous: string | null
  /** The new release's directory was (or may have been) created on this host. */
  created: boolean
  /** `current` was (or may have been) switched to the new release on this host. */
  switched: boolean
  /** Put back on `previous` after a failure. */
  rolledBack?: boolean
  /** Migration hooks started on this host. */
  migrated?: boolean
  record?: ReleaseRecord
  durations: Record<string, number>
}

export interface FinishInput {
  release: string
  sha: string
  ref: string
  started: number
  /** Why the deploy stopped, or null when it went through. */
  error: BerthError | null
  stopHeartbeat: () => void
  /** Runs the cleanup and unlock hooks (absent: there are none to run). */
  runStepHooks?: StepHookRunner
  /** No hook runs between cleanup and unlock: old releases go in the unlock's round trip. */
  cleanupWithUnlock?: boolean
}

export interface DeployOutcome {
  ok: boolean
  release: string
  outcomes: HostOutcome[]
  destructive: string
  durationMs: number
}

export async function finishDeploy(ctx: RunContext, runs: DeployRun[], input: FinishInput): Promise<DeployOutcome> {
  const failedStep = (run: DeployRun): string => run.failed?.step ?? input.error?.step ?? 'deploy'
  const hostFailed = (run: DeployRun): boolean => input.error !== null || run.failed !== null

  // Go back on hosts that switched but are not to stay switched.
  await settleAll(
    runs.filter((run) => run.switched && hostFailed(run)),
    ctx.concurrency,
    (run) => revertHost(ctx, run, input).catch((error: BerthError) => warn(ctx, run, `could not go back to ${run.previous}: ${error.message}`)),
  )
  // Keep failed releases for inspection, marked as such.
  await settleAll(
    runs.filter((run) => run.created && hostFailed(run) && !run.rolledBack),
    ctx.concurrency,
    (run) =>
      execOn(ctx, run, writeRecord(ctx.layout, withState(run.record ?? blankRecord(input), 'failed', ctx.now(), failedStep(run))), {
        step: 'cleanup',
        cleanup: true,
      }).catch(() => warn(ctx, run, 'could not mark the release failed')),
  )
  if (input.error !== null || runs.some((run) => run.failed !== null)) await runFailedHooks(ctx, runs, input)
  const done = runs.filter((run) => run.failed === null)
  const removals = new Map<DeployRun, string[]>()
  if (input.error === null) {
    await input.runStepHooks?.('before_cleanup', done, { isFatal: false })
    for (const run of done) removals.set(run, releasesToRemoveOn(ctx, run, input.release))
    if (!input.cleanupWithUnlock) await cleanupReleases(ctx, done, removals)
    await input.runStepHooks?.('after_cleanup', done, { isFatal: false })
  }

  input.stopHeartbeat()
  const durationMs = performance.now() - input.started
  const ok = input.error === null && runs.every((run) => run.failed === null)
  const result = input.error instanceof InterruptedError ? 'interrupted' : ok ? 'success' : 'failed'
  const entry = (run: DeployRun): object => ({
    kind: 'deploy',
    id: ctx.token,
    at: ctx.now().toISOString(),
    environment: ctx.config.environment,
    user: ctx.identity.user,
    machine: ctx.identity.machine,
    ref: input.ref,
    sha: input.sha,
    release: input.release,
    hosts: runs.map((r) => r.host.name),
    result: hostFailed(run) ? result : 'success',
    ...(hostFailed(run) ? { failedStep: failedStep(run) } : {}),
    steps: Object.fromEntries(Object.entries(run.durations).map(([step, ms]) => [step, Math.round(ms)])),
    durationMs: Math.round(durationMs),
  })
  if (input.error === null) await input.runStepHooks?.('before_unlock', done, { isFatal: false })
  // Removing old releases rides with the unlock when nothing runs in between; a failure
  // there must not keep the lock, so it is reported and the unlock goes on.
  const fusedRemoval = (run: DeployRun): string => tryRemoveReleases(ctx.layout, input.cleanupWithUnlock ? (removals.get(run) ?? []) : [])
  const unlockErrors = await releaseLocks(ctx, runs, (run) => script(fusedRemoval(run), appendHistory(ctx.layout, entry(run))))
  if (input.cleanupWithUnlock) {
    for (const [run, removed] of removals) {
      if (!unlockErrors.some((error) => error.host === run.host.name)) for (const id of removed) ctx.report({ kind: 'release:removed', host: run.host.name, release: id })
    }
  }
  if (input.error === null) await input.runStepHooks?.('after_unlock', done, { isFatal: false })
  for (const error of unlockErrors) warn(ctx, null, `could not release the lock on ${error.host ?? 'a host'}: ${error.message}`)

  const outcomes: HostOutcome[] = runs.map((run) => {
    const staysNew = run.switched && !run.rolledBack
    const outcome: HostOutcome = { host: run.host.name, live: staysNew ? input.release : run.previous, switched: staysNew }
    if (run.failed !== null) Object.assign(outcome, { failedStep: run.failed.step, error: run.failed.error })
    else if (input.error !== null && stoppedByOthers(input.error, run)) outcome.stoppedAt = failedStep(run)
    else if (input.error !== null) Object.assign(outcome, { failedStep: failedStep(run), error: input.error })
    return outcome
  })
  const destructive = describeDamage(runs, ok, input.error !== null)
  const where = { environment: ctx.config.environment, deployTo: ctx.config.deployTo }
  ctx.report({ kind: 'run:summary', command: 'deploy', ok, release: input.release, outcomes, destructive, durationMs, where })
  return { ok, release: input.release, outcomes, destructive, durationMs }
}

/**
 * The run failed because of other hosts (their failures went over the `onFailure` budget,
 * or another host's lock or connection failed): naming this host as failed, with the
 * others' error, would send the reader to the wrong machine.
 */
function stoppedByOthers(error: BerthError, run: DeployRun): boolean {
  if (error instanceof HostsFailedError) return true
  return error.host !== undefined && error.host !== run.host.name
}

/** Puts one host back on the release it had, marks the new one failed and runs the rollback hooks. */
async function revertHost(ctx: RunContext, run: DeployRun, input: FinishInput): Promise<void> {
  const now = ctx.now()
  const failed = withState(run.record ?? blankRecord(input), 'failed', now, run.failed?.step ?? input.error?.step)
  if (run.previous === null) {
    // Its first deploy: back to having no live release, as before the run.
    await execOn(ctx, run, all(unsetCurrent(ctx.layout, input.release), writeRecord(ctx.layout, failed)), { step: 'rollback', cleanup: true })
    run.rolledBack = true
    warn(ctx, run, `${input.release} was taken down again: this host had no live release before this deploy`)
    return
  }
  const command = all(
    switchCurrent(ctx.layout, run.previous),
    writeRecord(ctx.layout, failed),
    writeRecord(ctx.layout, withState(previousRecord(run), 'active', now)),
  )
  await execOn(ctx, run, command, { step: 'rollback', cleanup: true })
  run.rolledBack = true
  ctx.report({ kind: 'release:switched', host: run.host.name, from: input.release, to: run.previous })
  const release = { id: run.previous, revision: previousRecord(run).revision, previous: input.release }
  for (const invocation of planHook('rollback', {
    config: ctx.config,
    hosts: [run.host],
    defaultCwd: ctx.layout.release(run.previous),
    repoHooks: new Map(),
  })) {
    if (invocation.host === null) continue
    await runHookOnHost(ctx, run, invocation, release, { cleanup: true }).catch((error: BerthError) => warn(ctx, run, error.message))
  }
}

async function runFailedHooks(ctx: RunContext, runs: DeployRun[], input: FinishInput): Promise<void> {
  const hosts = runs.map((run) => run.host)
  const invocations = planHook('failed', { config: ctx.config, hosts, defaultCwd: ctx.layout.root, repoHooks: new Map() })
  // They run even after Ctrl-C: telling people a deploy did not go through is part of stopping it.
  await settleAll(runs, ctx.concurrency, async (run) => {
    for (const invocation of invocations.filter((inv) => inv.host === run.host.name)) {
      const env = { ...invocation.env, BERTH_FAILED_STEP: run.failed?.step ?? input.error?.step ?? '' }
      const release = { id: input.release, revision: input.sha, previous: run.previous }
      await runHookOnHost(ctx, run, { ...invocation, env }, release, { cleanup: true }).catch((error: BerthError) => warn(ctx, run, error.message))
    }
  })
  // `local: true` entries run once, on this machine.
  const local = invocations.filter((inv) => inv.host === null).map((inv) => ({ ...inv, env: { ...inv.env, BERTH_FAILED_STEP: input.error?.step ?? runs.find((run) => run.failed)?.failed?.step ?? '' } }))
  const names = runs.map((run) => run.host.name)
  await runLocalHooks(ctx, local, { id: input.release, revision: input.sha, previous: null }, names, { cleanup: true }).catch((error: BerthError) => warn(ctx, null, error.message))
}

/** Which releases cleanup removes on a host, now that the new release is live there. */
function releasesToRemoveOn(ctx: RunContext, run: DeployRun, release: string): string[] {
  const state = run.state
  if (!state) return []
  const records = new Map(state.records)
  if (run.record) records.set(release, run.record)
  return releasesToRemove({
    releases: [...new Set([...state.releases, release])],
    records,
    current: release,
    keep: ctx.config.keepReleases,
  })
}

async function cleanupReleases(ctx: RunContext, runs: DeployRun[], removals: Map<DeployRun, string[]>): Promise<void> {
  await settleAll(runs, ctx.concurrency, async (run) => {
    const remove = removals.get(run) ?? []
    if (remove.length === 0) return
    try {
      await execOn(ctx, run, removeReleases(ctx.layout, remove), { step: 'cleanup', cleanup: true })
      for (const id of remove) ctx.report({ kind: 'release:removed', host: run.host.name, release: id })
    } catch (error) {
      warn(ctx, run, `cleanup failed (the deploy itself succeeded): ${(error as Error).message}`)
    }
  })
}

function describeDamage(runs: DeployRun[], ok: boolean, stopped: boolean): string {
  if (ok) return 'nothing needs a person'
  const live = runs.filter((run) => run.switched && !run.rolledBack)
  const reverted = runs.filter((run) => run.rolledBack)
  const migrated = runs.filter((run) => run.migrated)
  const names = (list: DeployRun[]): string => list.map((run) => run.host.name).join(', ')
  const parts: string[] = []
  const failed = runs.filter((run) => run.failed !== null)
  if (!stopped) parts.push(`deployed to ${live.length} of ${runs.length} hosts; ${names(failed)} stayed on the previous release`)
  else if (live.length > 0) parts.push(`new code is live on ${live.length} of ${runs.length} hosts (${names(live)}): a person must decide`)
  if (reverted.length > 0) parts.push(`the new release went live on ${names(reverted)} and was rolled back`)
  if (migrated.length > 0) parts.push(`migrations ran (${names(migrated)}): the database may be ahead of the live code`)
  return parts.length === 0 ? 'nothing destructive happened: every host is on its previous release' : parts.join('; ')
}

function warn(ctx: RunContext, run: HostRun | null, message: string): void {
  ctx.report({ kind: 'log', level: 'warn', message, ...(run ? { host: run.host.name } : {}) })
}

function blankRecord(input: FinishInput): ReleaseRecord {
  return { release: input.release, state: 'preparing', revision: input.sha, ref: input.ref, createdAt: '', updatedAt: '', deployedBy: '' }
}
