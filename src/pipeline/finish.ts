/**
 * The end of a deploy, successful or not: hosts that failed after switching go back to
 * their previous release and releases that did not make it are marked failed (each
 * step's own `revert`), the `failed` hooks run, then the `close` steps (cleanup and
 * unlock after a success; only the unlock, with its history line, after a failure), and
 * one summary says what is live where and whether a person is needed.
 */
import { assessDeploy, type Attention } from '../attention.js'
import { describeAttention } from '../attention-text.js'
import { HostsFailedError, InterruptedError, type BerthError } from '../errors.js'
import { deployEntry, historyActor } from '../history/entry.js'
import type { HostOutcome } from '../events.js'
import { settleAll } from '../fleet/pool.js'
import { runHookOnHost, runLocalHooks } from './actions.js'
import { warn } from './context.js'
import { isLiveOnNew, type DeployHost } from './deploy-host.js'
import { revertHosts, runStep, type Execution } from './execute.js'
import { planHook } from './hooks.js'
import { takeDownForDeploy } from './maintenance.js'
import { stepsIn } from './plan.js'
import { tagDeploy } from './tag.js'

export interface DeployOutcome {
  ok: boolean
  release: string
  outcomes: HostOutcome[]
  /** What, if anything, needs a person, as data. */
  attention: Attention
  /** `attention` in one sentence. */
  destructive: string
  durationMs: number
}

export interface CloseInput {
  /** Why the deploy stopped, or null when it went through. */
  error: BerthError | null
  started: number
  stopHeartbeat: () => void
}

export async function closeDeploy(x: Execution, input: CloseInput): Promise<DeployOutcome> {
  const { ctx, hosts } = x
  const { error } = input
  const failedStep = (host: DeployHost): string => host.failed?.step ?? error?.step ?? 'deploy'
  const hostFailed = (host: DeployHost): boolean => error !== null || host.failed !== null
  x.input.failedStep = () => error?.step

  await revertHosts(x, hosts.filter(hostFailed))
  // After verify succeeded, or once failed hosts are back on their old release.
  if (x.maintenance) await takeDownForDeploy(ctx, x.maintenance)
  if (hosts.some(hostFailed)) await runFailedHooks(x, error)
  const ok = error === null && hosts.every((host) => host.failed === null)
  const result = error instanceof InterruptedError ? 'interrupted' : ok ? 'success' : 'failed'
  // Only once every host is live on the release; before the unlock, whose history line
  // records it, and while the heartbeat still runs (a slow push must not make the lock look stale).
  const tag = ok && x.tagRepo !== undefined ? await tagDeploy(ctx, x.tagRepo, x.plan.revision, x.plan.release) : null
  input.stopHeartbeat()
  x.history = (host) =>
    deployEntry({
      id: ctx.token,
      at: ctx.now().toISOString(),
      environment: ctx.config.environment,
      ...historyActor(ctx.identity),
      ref: x.plan.ref,
      sha: x.plan.revision,
      release: x.plan.release,
      hosts: hosts.map((h) => h.host.name),
      result: hostFailed(host) ? result : 'success',
      ...(hostFailed(host) ? { failedStep: failedStep(host) } : {}),
      ...(x.plan.resume === undefined ? {} : { resumeOf: x.plan.release }),
      steps: host.durations,
      durationMs: performance.now() - input.started,
      ...(tag === null ? {} : { tag }),
      ...(x.plan.promotedFrom === undefined ? {} : { promotedFrom: x.plan.promotedFrom }),
    })
  for (const def of stepsIn('close')) {
    if (error === null) await runStep(x, def, { isBestEffort: true, only: def.alsoOnFailure ? hosts : hosts.filter((host) => host.failed === null) })
    else if (def.alsoOnFailure) await runStep(x, def, { isBestEffort: true, skipHooks: true })
  }

  const durationMs = performance.now() - input.started
  const outcomes: HostOutcome[] = hosts.map((host) => {
    const outcome: HostOutcome = { host: host.host.name, live: isLiveOnNew(host) ? x.plan.release : (host.previous ?? host.previousLink), switched: isLiveOnNew(host) }
    if (host.failed !== null) Object.assign(outcome, { failedStep: host.failed.step, error: host.failed.error })
    else if (error !== null && stoppedByOthers(error, host)) outcome.stoppedAt = failedStep(host)
    else if (error !== null) Object.assign(outcome, { failedStep: failedStep(host), error })
    return outcome
  })
  const attention = assessDeploy(
    hosts.map((host) => ({ host: host.host.name, live: isLiveOnNew(host), rolledBack: host.rolledBack, migrated: host.migrated, failed: host.failed !== null })),
    { ok, stopped: error !== null },
  )
  const command = x.plan.promotedFrom === undefined ? 'deploy' : 'promote'
  const destructive = describeAttention(attention, command)
  const where = { environment: ctx.config.environment, deployTo: ctx.config.deployTo }
  ctx.report({ kind: 'run:summary', command, ok, release: x.plan.release, outcomes, attention, destructive, durationMs, where })
  return { ok, release: x.plan.release, outcomes, attention, destructive, durationMs }
}

/**
 * The run failed because of other hosts (their failures went over the `onFailure` budget,
 * or another host's lock or connection failed): naming this host as failed, with the
 * others' error, would send the reader to the wrong machine.
 */
function stoppedByOthers(error: BerthError, host: DeployHost): boolean {
  if (error instanceof HostsFailedError) return true
  return error.host !== undefined && error.host !== host.host.name
}

async function runFailedHooks(x: Execution, error: BerthError | null): Promise<void> {
  const { ctx, hosts } = x
  const invocations = planHook('failed', { config: ctx.config, hosts: hosts.map((host) => host.host), defaultCwd: ctx.layout.root, repoHooks: new Map() })
  // They run even after Ctrl-C: telling people a deploy did not go through is part of stopping it.
  await settleAll(hosts, ctx.concurrency, async (host) => {
    for (const invocation of invocations.filter((inv) => inv.host === host.host.name)) {
      const env = { ...invocation.env, BERTH_FAILED_STEP: host.failed?.step ?? error?.step ?? '' }
      const release = { id: x.plan.release, revision: x.plan.revision, previous: host.previous }
      await runHookOnHost(ctx, host, { ...invocation, env }, release, { cleanup: true }).catch((e: BerthError) => warn(ctx, host, e.message))
    }
  })
  // `local: true` entries run once, on this machine.
  const step = error?.step ?? hosts.find((host) => host.failed)?.failed?.step ?? ''
  const local = invocations.filter((inv) => inv.host === null).map((inv) => ({ ...inv, env: { ...inv.env, BERTH_FAILED_STEP: step } }))
  const names = hosts.map((host) => host.host.name)
  await runLocalHooks(ctx, local, { id: x.plan.release, revision: x.plan.revision, previous: null }, names, { cleanup: true }).catch((e: BerthError) => warn(ctx, null, e.message))
}
