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
import { renderTemplates } from '../delivery/templates.js'
import { StateError, toBerthError, type BerthError } from '../errors.js'
import { createReleaseId, nextReleaseId } from '../release/id.js'
import { makeRunDir } from '../run-dirs.js'
import type { RunContext, RunOptions } from './context.js'
import { DeliveryRun } from './delivery-run.js'
import { newDeployHost, type DeployHost } from './deploy-host.js'
import { runStep, type Execution } from './execute.js'
import { closeDeploy, type DeployOutcome } from './finish.js'
import { withFleet, type Fleet } from './fleet-run.js'
import { lockHolder, startHeartbeat } from './lock.js'
import { planDeploy, stepInputFor, stepsIn, type DeployPlan, type PlanInput } from './plan.js'
import { findResumePoint, readResumeState, refuseMovedRef, refuseRebuildingPromote, resumedSkips, takenUp, takeUpRelease, type ResumeLook, type ResumePoint } from './resume.js'
import { pause } from './rollout.js'
import { planTag } from './tag.js'
import { maintenanceHtml, maintenancePath, putUpForDeploy, type DeployMaintenance } from './maintenance.js'
import { maintenancePage } from '../remote/maintenance.js'
import type { StepInput } from './steps/types.js'

export interface DeployOptions extends RunOptions {
  /** Branch, tag or sha to deploy. @default the config's `branch` */
  ref?: string
  /** Only compute and return the plan; change nothing anywhere. */
  planOnly?: boolean
  lockWaitMs?: number
  /** How often the lock's heartbeat is refreshed on each host, in ms. @default 30000 */
  heartbeatMs?: number
  /**
   * Continue the last failed deploy of the environment: its release and sha, each host from
   * the step where it stopped (README, "Resuming a failed deploy").
   */
  resume?: boolean
  /** Put the maintenance page up before `migrate`, and take it down after `verify` (or a failure). */
  maintenance?: boolean
}

export interface DeployResult {
  plan: DeployPlan
  /** Absent for `planOnly`. */
  outcome?: DeployOutcome
}

export async function deploy(config: ResolvedConfig, options: DeployOptions = {}): Promise<DeployResult> {
  return deployFrom(config, options, async (ctx, fleet) => {
    const [repoDir, resume] = await Promise.all([localRepoFor(config.repo, ctx.cacheDir), options.resume ? readResume(fleet) : null])
    const ref = options.ref ?? resume?.point.ref ?? config.ref
    const sha = await resolveRef(repoDir, ref)
    if (resume) refuseMovedRef(resume.point, ref, sha, config.environment)
    if (resume) refuseRebuildingPromote(resume.point, fleet.hosts.map((host) => host.name), config.environment)
    return {
      command: 'deploy',
      sha,
      ref,
      repoDir,
      strategy: deliveryFor(config),
      ...(resume === null ? {} : { resume }),
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
  /** `deploy --resume`: the failed deploy continued, whose release this run keeps. */
  resume?: Resume
  /** Reads a file of the tree by its path in it, when the tree is not read from the commit (templates). */
  readFile?: (path: string) => Promise<string | null>
  /** The release's in-repo hook files (found while the delivery starts); `warn` tells what will not run. */
  repoHooks(warn: (message: string) => void): Promise<Map<HookName, string[]>>
}

/**
 * The deploy core, shared by `deploy` and `promote`: `source` says what is deployed (it runs
 * while the hosts connect); everything after that — lock, hooks, shared files, rollout,
 * `onFailure`, history — is the same for both.
 */
export async function deployFrom(config: ResolvedConfig, options: DeployOptions, source: (ctx: RunContext, fleet: Fleet) => Promise<DeploySource>): Promise<DeployResult> {
  const started = performance.now()
  // SSH handshakes are the slowest part of a small deploy: they start now and run while
  // the ref is resolved and the release read (a plan alone connects to nothing).
  // A resume reads the hosts before anything else, its plan included.
  return withFleet(config, { ...options, connect: options.planOnly !== true || options.resume === true }, async (fleet) => {
    const { ctx } = fleet
    const what = await source(ctx, fleet)
    const { sha, ref, strategy } = what
    const resume = what.resume ?? null
    // Before anything changes anywhere: a variable a template needs and nobody set stops here.
    const templates = await renderTemplates(config, what.repoDir, sha, { allowUnset: options.planOnly === true, ...(what.readFile === undefined ? {} : { read: what.readFile }) })
    const named = ctx.now()
    const holder = { ...lockHolder(ctx, { command: what.command }), command: what.command }
    const planInput: PlanInput = {
      sha,
      ref,
      release: what.release ?? resume?.point.release ?? createReleaseId(named, sha),
      hosts: fleet.hosts,
      repoHooks: new Map(),
      holder,
      createdAt: named,
      delivery: strategy,
      ...(what.promotedFrom === undefined ? {} : { promotedFrom: what.promotedFrom }),
      ...(templates === undefined ? {} : { templates }),
    }
    if (resume) Object.assign(planInput, { skip: resumedSkips(resume.point, templates !== undefined), resume: { run: resume.point.run, takenUp: takenUp(resume.point) } })
    const hosts = fleet.runs.map(newDeployHost)
    // Only hosts without the release's files need the delivery (and the local build behind it).
    const receiving = hosts.filter((host) => !(resume?.point.hasTree.includes(host.host.name) ?? false))
    const workDir = options.planOnly || receiving.length === 0 ? null : makeRunDir(tmpdir(), 'deploy')
    // Packing starts now, for the release each host most likely has, while connections open.
    const deliveries = new DeliveryRun(strategy, ctx, receiving, { repoDir: what.repoDir, sha, workDir, ...(what.artifact === undefined ? {} : { artifact: what.artifact }) })
    try {
      if (workDir !== null) deliveries.start(planInput.release)
      const warn = (message: string): void => ctx.report({ kind: 'log', level: 'warn', message })
      // The tag is made in the local repository, which a promote does not otherwise read.
      const tagRepo = config.tag === undefined ? '' : what.repoDir || (await localRepoFor(config.repo, ctx.cacheDir))
      const [repoHooks, tag, html] = await Promise.all([
        what.repoHooks(warn),
        config.tag === undefined ? undefined : planTag(tagRepo, config.tag, named),
        // Read (and a missing template refused) before any host is touched.
        options.maintenance ? maintenanceHtml(config, what.repoDir, sha, { since: named }) : undefined,
      ])
      planInput.repoHooks = repoHooks
      if (tag !== undefined) planInput.tag = tag
      if (html !== undefined) planInput.maintenancePage = maintenancePage(ctx.layout, maintenancePath(config))
      const plan = planDeploy(config, planInput)
      if (options.planOnly) return { plan }
      const maintenance = html === undefined ? undefined : { html, up: new Set<DeployHost>() }
      const run = { plan, planInput, hosts, receiving, deliveries, resume, started, lockWaitMs: options.lockWaitMs, heartbeatMs: options.heartbeatMs, named, connectAll: fleet.connectAll, repoDir: tagRepo, maintenance }
      return await carryOut(ctx, { ...run, command: what.command, keepsName: what.release !== undefined })
    } finally {
      // Packing may still be under way (for a host's guessed base, when the run stopped early).
      await deliveries.close()
      if (workDir !== null) await rm(workDir, { recursive: true, force: true, maxRetries: 2 })
    }
  })
}

interface Resume {
  point: ResumePoint
  /** The hosts as read before the lock. */
  looks: ResumeLook[]
}

async function readResume(fleet: Fleet): Promise<Resume> {
  const looks = await readResumeState(fleet)
  const point = findResumePoint(fleet.ctx.config.environment, looks)
  const taken = takenUp(point).length
  fleet.ctx.report({
    kind: 'log',
    level: 'info',
    message: `resuming the failed deploy of release ${point.release}: ${taken} of ${looks.length} host${looks.length === 1 ? '' : 's'} hold its files${point.live.length > 0 ? `, ${point.live.length} run${point.live.length === 1 ? 's' : ''} it already` : ''}`,
  })
  return { point, looks }
}

interface CarryOut {
  plan: DeployPlan
  planInput: PlanInput
  hosts: DeployHost[]
  /** The hosts the delivery is for (a resume leaves out those that hold the release). */
  receiving: DeployHost[]
  deliveries: DeliveryRun
  resume: Resume | null
  started: number
  lockWaitMs: number | undefined
  heartbeatMs: number | undefined
  named: Date
  connectAll: () => Promise<void>
  /** The local repository the commit was read from (and is tagged in). */
  repoDir: string
  /** `--maintenance`: the page, and the hosts it is up on. */
  maintenance: DeployMaintenance | undefined
  command: DeploySource['command']
  /** The release's id was given: a host that already has it is refused, not a reason to rename. */
  keepsName: boolean
}

async function carryOut(ctx: RunContext, run: CarryOut): Promise<DeployResult> {
  const { hosts, planInput, deliveries } = run
  const { config } = ctx
  const x: Execution = { ctx, plan: run.plan, input: withLockWait(stepInputFor(config, planInput), run.lockWaitMs), hosts, deliveries: new Map(), ran: new Set(), ...(config.tag === undefined ? {} : { tagRepo: run.repoDir }), ...(run.maintenance ? { maintenance: run.maintenance } : {}) }
  ctx.report({ kind: 'run:start', command: run.command, environment: config.environment, hosts: hosts.map((h) => h.host.name), release: planInput.release, revision: planInput.sha, ref: planInput.ref })
  let stopHeartbeat = (): void => {}
  let error: BerthError | null = null
  try {
    await run.connectAll()
    // Right after the lock, before its `after_lock` hooks: the heartbeat, and the release's
    // final name (only now are the hosts' releases known: the name must not be taken there).
    const onLocked = async (): Promise<void> => {
      stopHeartbeat = startHeartbeat(ctx, hosts, run.heartbeatMs)
      // A resume keeps its release's name: that release is what it continues.
      if (run.resume) return takeUpRelease(ctx, hosts, run.resume.point, run.resume.looks)
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
    x.deliveries = await deliveries.forHosts(run.receiving.filter((host) => host.failed === null))
    // The release's record names the artifact it is (what `promote` looks for).
    const artifact = await deliveries.artifact()
    if (artifact !== null) x.input = { ...x.input, newRecord: { ...x.input.newRecord, artifact } }
    for (const def of stepsIn('prepare')) {
      // The page goes up before the migrations' own hooks (a backup in before_migrate runs behind it too).
      if (def.name === 'migrate' && run.maintenance) await putUpForDeploy(ctx, hosts, run.maintenance)
      await runStep(x, def)
    }
    // A batch that is live already (a resume) is not gone through again, nor waited for.
    const batches = x.plan.batches.filter((names) => names.some((name) => stepsIn('go-live').some((def) => !x.plan.steps.find((s) => s.step === def.name)?.skipped?.includes(name))))
    for (const [index, names] of batches.entries()) {
      const batch = names.map((name) => hosts.find((host) => host.host.name === name)!)
      if (index > 0) await pause(config.rollout?.pauseMs ?? 0, ctx.signal)
      if (batches.length > 1) ctx.report({ kind: 'log', level: 'info', message: `batch ${index + 1}/${batches.length}: ${names.join(', ')}` })
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
  // A release a failed run left is continued, never made live as it is (its migrations may not have run).
  const failed = hosts.some((host) => host.state?.records.get(release)?.state === 'failed')
  throw new StateError(`release ${release} is already on ${holders.join(', ')}`, {
    step: 'lock',
    hint: failed
      ? `a run that failed left it there: continue it with berth deploy ${environment} --resume`
      : `to make it live there again: berth rollback ${environment} --to ${release}`,
  })
}

function withLockWait(input: StepInput, lockWaitMs: number | undefined): StepInput {
  return lockWaitMs === undefined ? input : { ...input, lockWaitMs }
}
