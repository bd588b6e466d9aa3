/**
 * `deploy`: resolve, plan, then carry the plan out (see the README, "What a deploy does").
 * Every host prepares the release (lock → fetch → release → link → build → migrate)
 * before any host switches; a failure before the switch leaves every host on its old
 * release. After the switch, a failed restart or verify puts the switched hosts back on
 * their previous release. The steps themselves live in `steps/`, the order in which they
 * run in `execute.ts`, the end of the run in `finish.ts`.
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import type { ResolvedConfig } from '../config/types.js'
import { localRepoFor, resolveRef } from '../delivery/local-git.js'
import { findRepoHooks } from '../delivery/repo-hooks.js'
import { uncommittedWarning } from '../delivery/uncommitted.js'
import { deliveryFor } from '../delivery/strategies.js'
import type { Artifact } from '../artifact/store.js'
import type { HookName } from '../config/types.js'
import type { DeliveryStrategy } from '../delivery/strategy.js'
import { StateError, toBerthError, type BerthError } from '../errors.js'
import { createReleaseId, nextReleaseId } from '../release/id.js'
import { makeRunDir } from '../run-dirs.js'
import type { RunContext, RunOptions } from './context.js'
import { DeliveryRun } from './delivery-run.js'
import { newDeployHost, type DeployHost } from './deploy-host.js'
import { runStep, type Execution } from './execute.js'
import { closeDeploy, type DeployOutcome } from './finish.js'
import { withFleet } from './fleet-run.js'
import { lockHolder, startHeartbeat } from './lock.js'
import { planDeploy, stepInputFor, stepsIn, type DeployPlan, type PlanInput } from './plan.js'
import { pause } from './rollout.js'
import type { StepInput } from './steps/types.js'

export interface DeployOptions extends RunOptions {
  /** Branch, tag or sha to deploy. @default the config's `branch` */
  ref?: string
  /** Only compute and return the plan; change nothing anywhere. */
  planOnly?: boolean
  lockWaitMs?: number
  /** How often the lock's heartbeat is refreshed on each host, in ms. @default 30000 */
  heartbeatMs?: number
}

export interface DeployResult {
  plan: DeployPlan
  /** Absent for `planOnly`. */
  outcome?: DeployOutcome
}

export async function deploy(config: ResolvedConfig, options: DeployOptions = {}): Promise<DeployResult> {
  return deployFrom(config, options, async (ctx) => {
    const repoDir = await localRepoFor(config.repo, ctx.cacheDir)
    const ref = options.ref ?? config.ref
    const sha = await resolveRef(repoDir, ref)
    return {
      command: 'deploy',
      sha,
      ref,
      repoDir,
      strategy: deliveryFor(config),
      async repoHooks(warn) {
        const [hooks, uncommitted] = await Promise.all([findRepoHooks(repoDir, sha, config.subdir, warn), uncommittedWarning(repoDir, sha, config.subdir)])
        if (uncommitted !== undefined) warn(uncommitted)
        return hooks
      },
    }
  })
}

/** What a run deploys and where its tree comes from: the commit (`deploy`), or an artifact (`promote`). */
export interface DeploySource {
  command: 'deploy' | 'promote'
  sha: string
  ref: string
  /** The local repository ('' when the run reads no git: a promote). */
  repoDir: string
  strategy: DeliveryStrategy
  /** The release's id when it is given (a promote keeps the id it had): never renamed. */
  release?: string
  /** The tree to ship, already built. */
  artifact?: Artifact
  /** The environment the release is promoted from. */
  promotedFrom?: string
  /** The release's in-repo hook files (found while the delivery starts); `warn` tells what will not run. */
  repoHooks(warn: (message: string) => void): Promise<Map<HookName, string[]>>
}

/**
 * The deploy core, shared by `deploy` and `promote`: `source` says what is deployed (it runs
 * while the hosts connect); everything after that — lock, hooks, shared files, rollout,
 * `onFailure`, history — is the same for both.
 */
export async function deployFrom(config: ResolvedConfig, options: DeployOptions, source: (ctx: RunContext) => Promise<DeploySource>): Promise<DeployResult> {
  const started = performance.now()
  // SSH handshakes are the slowest part of a small deploy: they start now and run while
  // the ref is resolved and the release read (a plan alone connects to nothing).
  return withFleet(config, { ...options, connect: options.planOnly !== true }, async (fleet) => {
    const { ctx } = fleet
    const what = await source(ctx)
    const { sha, ref, strategy } = what
    const named = ctx.now()
    const holder = { ...lockHolder(ctx, { command: what.command }), command: what.command }
    const planInput: PlanInput = {
      sha,
      ref,
      release: what.release ?? createReleaseId(named, sha),
      hosts: fleet.hosts,
      repoHooks: new Map(),
      holder,
      createdAt: named,
      delivery: strategy,
      ...(what.promotedFrom === undefined ? {} : { promotedFrom: what.promotedFrom }),
    }
    const workDir = options.planOnly ? null : makeRunDir(tmpdir(), 'deploy')
    const hosts = fleet.runs.map(newDeployHost)
    // Packing starts now, for the release each host most likely has, while connections open.
    const deliveries = new DeliveryRun(strategy, ctx, hosts, { repoDir: what.repoDir, sha, workDir, ...(what.artifact === undefined ? {} : { artifact: what.artifact }) })
    try {
      if (workDir !== null) deliveries.start(planInput.release)
      planInput.repoHooks = await what.repoHooks((message) => ctx.report({ kind: 'log', level: 'warn', message }))
      const plan = planDeploy(config, planInput)
      if (options.planOnly) return { plan }
      const run = { plan, planInput, hosts, deliveries, started, lockWaitMs: options.lockWaitMs, heartbeatMs: options.heartbeatMs, named, connectAll: fleet.connectAll }
      return await carryOut(ctx, { ...run, command: what.command, keepsName: what.release !== undefined })
    } finally {
      // Packing may still be under way (for a host's guessed base, when the run stopped early).
      await deliveries.close()
      if (workDir !== null) await rm(workDir, { recursive: true, force: true, maxRetries: 2 })
    }
  })
}

interface CarryOut {
  plan: DeployPlan
  planInput: PlanInput
  hosts: DeployHost[]
  deliveries: DeliveryRun
  started: number
  lockWaitMs: number | undefined
  heartbeatMs: number | undefined
  named: Date
  connectAll: () => Promise<void>
  command: DeploySource['command']
  /** The release's id was given: a host that already has it is refused, not a reason to rename. */
  keepsName: boolean
}

async function carryOut(ctx: RunContext, run: CarryOut): Promise<DeployResult> {
  const { hosts, planInput, deliveries } = run
  const { config } = ctx
  const x: Execution = { ctx, plan: run.plan, input: withLockWait(stepInputFor(config, planInput), run.lockWaitMs), hosts, deliveries: new Map(), ran: new Set() }
  ctx.report({ kind: 'run:start', command: run.command, environment: config.environment, hosts: hosts.map((h) => h.host.name), release: planInput.release, revision: planInput.sha, ref: planInput.ref })
  let stopHeartbeat = (): void => {}
  let error: BerthError | null = null
  try {
    await run.connectAll()
    // Right after the lock, before its `after_lock` hooks: the heartbeat, and the release's
    // final name (only now are the hosts' releases known: the name must not be taken there).
    const onLocked = async (): Promise<void> => {
      stopHeartbeat = startHeartbeat(ctx, hosts, run.heartbeatMs)
      if (run.keepsName) return refuseIfTaken(hosts, planInput.release, config.environment)
      const final = nextReleaseId(run.named, planInput.sha, hosts.flatMap((host) => (host.state ? [...host.state.releases, ...host.state.records.keys()] : [])))
      if (final === planInput.release) return
      ctx.report({ kind: 'log', level: 'info', message: `a release named ${planInput.release} or later is already on the hosts: this release is ${final}` })
      planInput.release = final
      x.plan = planDeploy(config, planInput)
      x.input = withLockWait(stepInputFor(config, planInput), run.lockWaitMs)
      await deliveries.restart(final)
    }
    for (const def of stepsIn('open')) await runStep(x, def, { afterBuiltin: onLocked })
    x.deliveries = await deliveries.forHosts(hosts.filter((host) => host.failed === null))
    // The release's record names the artifact it is (what `promote` looks for).
    const artifact = await deliveries.artifact()
    if (artifact !== null) x.input = { ...x.input, newRecord: { ...x.input.newRecord, artifact } }
    for (const def of stepsIn('prepare')) await runStep(x, def)
    for (const [index, names] of x.plan.batches.entries()) {
      const batch = names.map((name) => hosts.find((host) => host.host.name === name)!)
      if (index > 0) await pause(config.rollout?.pauseMs ?? 0, ctx.signal)
      if (x.plan.batches.length > 1) ctx.report({ kind: 'log', level: 'info', message: `batch ${index + 1}/${x.plan.batches.length}: ${names.join(', ')}` })
      for (const def of stepsIn('go-live')) await runStep(x, def, { only: batch })
    }
  } catch (caught) {
    error = toBerthError(caught)
    // Nothing was changed anywhere yet: nothing to undo, no lock to free.
    if (!hosts.some((host) => host.locked)) throw error
  }
  const outcome = await closeDeploy(x, { error, started: run.started, stopHeartbeat })
  if (error !== null) throw error
  await deliveries.recordLive(hosts.filter((host) => host.switched && host.failed === null && !host.rolledBack))
  return { plan: x.plan, outcome }
}

/** A promoted release keeps its id: a host that has a release of that name already is refused. */
function refuseIfTaken(hosts: DeployHost[], release: string, environment: string): void {
  const holders = hosts.filter((host) => host.state !== null && (host.state.releases.includes(release) || host.state.records.has(release))).map((host) => host.host.name)
  if (holders.length === 0) return
  throw new StateError(`release ${release} is already on ${holders.join(', ')}`, {
    step: 'lock',
    hint: `to make it live there again: berth rollback ${environment} --to ${release}`,
  })
}

function withLockWait(input: StepInput, lockWaitMs: number | undefined): StepInput {
  return lockWaitMs === undefined ? input : { ...input, lockWaitMs }
}
