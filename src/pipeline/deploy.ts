/**
 * `deploy`: resolve, plan, then carry the plan out (SPEC §4). Every host prepares the
 * release (lock → fetch → release → link → build → migrate) before any host switches;
 * a failure before the switch leaves every host on its old release. After the switch, a
 * failed restart or verify puts the switched hosts back on their previous release.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResolvedConfig, Step } from '../config/types.js'
import { readGitSource } from '../delivery/git-source.js'
import { commitsToMirror } from '../delivery/git-submodules.js'
import { findRepoHooks } from '../delivery/repo-hooks.js'
import type { ReleaseSource } from '../delivery/upload.js'
import { localRepoFor, resolveRef } from '../delivery/local-git.js'
import { RemoteCommandError, toBerthError } from '../errors.js'
import { startBounded } from '../fleet/pool.js'
import { selectRunHosts } from '../inventory/select.js'
import { createReleaseId, nextReleaseId } from '../release/id.js'
import { createTransports, closeTransports } from '../transport/factory.js'
import { runHookOnHost, runLocalHooks, type ReleaseInfo } from './actions.js'
import { createContext, type RunContext, type RunOptions } from './context.js'
import { finishDeploy, type DeployRun } from './deploy-finish.js'
import { acquireLocks, startHeartbeat } from './lock.js'
import { runPhase } from './phase.js'
import { startUpload } from './prepare-upload.js'
import { pause, rolloutBatches } from './rollout.js'
import { hasHooks, planDeploy, type DeployPlan, type PlannedStep } from './plan.js'
import { createStepHookRunner } from './step-hooks.js'
import { builtinStep } from './steps.js'

export interface DeployOptions extends RunOptions {
  /** Branch, tag or sha to deploy. @default the config's `branch` */
  ref?: string
  /** Only compute and return the plan; change nothing anywhere. */
  planOnly?: boolean
  lockWaitMs?: number
}

export interface DeployResult {
  plan: DeployPlan
  /** Absent for `planOnly`. */
  outcome?: Awaited<ReturnType<typeof finishDeploy>>
}

const PREPARE: readonly Step[] = ['fetch', 'release', 'link', 'build', 'migrate']
const GO_LIVE: readonly Step[] = ['switch', 'restart', 'verify']

export async function deploy(config: ResolvedConfig, options: DeployOptions = {}): Promise<DeployResult> {
  const started = performance.now()
  const ctx = createContext(config, options)
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  // SSH handshakes are the slowest part of a small deploy: they start now and run while
  // the ref is resolved and the release tree read (a plan alone connects to nothing).
  const transports = createTransports(config, hosts, options.transportFactory)
  // Bounded like every fleet phase: a burst of handshakes would trip sshd's MaxStartups.
  const connecting = startBounded(options.planOnly ? [] : hosts, ctx.concurrency, async (host) => transports.get(host.name)!.connect?.({ signal: ctx.signal }))
  let repoDir: string, ref: string, sha: string, named: Date, release: string, repoHooks: Awaited<ReturnType<typeof findRepoHooks>>, plan: DeployPlan
  let source: Promise<ReleaseSource | undefined> | null = null
  try {
    repoDir = await localRepoFor(config.repo, ctx.cacheDir)
    ref = options.ref ?? config.ref
    sha = await resolveRef(repoDir, ref)
    if (!options.planOnly && config.strategy === 'upload' && config.build.length === 0) source = quietly(readGitSource(repoDir, sha, config.subdir, ctx.cacheDir))
    named = ctx.now()
    release = createReleaseId(named, sha)
    repoHooks = await findRepoHooks(repoDir, sha, config.subdir)
    plan = planDeploy(config, { sha, ref, release, hosts, repoHooks })
  } catch (error) {
    await Promise.allSettled(connecting.values())
    await closeTransports(transports)
    throw error
  }
  if (options.planOnly) {
    await closeTransports(transports)
    return { plan }
  }

  ctx.report({ kind: 'run:start', command: 'deploy', environment: config.environment, hosts: hosts.map((h) => h.name), release, revision: sha, ref })
  const runs: DeployRun[] = hosts.map((host) => ({
    host,
    transport: transports.get(host.name)!,
    state: null,
    failed: null,
    previous: null,
    created: false,
    switched: false,
    durations: {},
  }))
  const workDir = await mkdtemp(join(tmpdir(), 'berth-deploy-'))
  // Packing starts now, for the release each host most likely has, while connections open.
  let upload = startUpload(ctx, runs, { repoDir, sha, release, workDir, source })
  let stopHeartbeat = (): void => {}
  let locked = false
  const runStepHooks = createStepHookRunner(ctx, () => plan, (run) => ({ id: release, revision: sha, previous: run?.previous ?? null }))
  try {
    // Every host must be reachable and trusted before any is touched, even by a lock.
    await timed(runs, 'lock', () => runPhase(ctx, 'connect', runs, async (run) => void (await connecting.get(run.host))))
    await timed(runs, 'lock', () => runStepHooks('before_lock', runs))
    const lockOptions = { command: 'deploy', waitMs: options.lockWaitMs, inspect: { withFiles: config.strategy === 'upload' } }
    await timed(runs, 'lock', () => acquireLocks(ctx, runs.filter((run) => run.failed === null), lockOptions))
    locked = true
    stopHeartbeat = startHeartbeat(ctx, runs)
    for (const run of runs) run.previous = run.state?.current ?? null
    refuseDirectoryCurrent(ctx, runs)
    // Only now are the hosts' releases known: the name must not be taken there already.
    const final = nextReleaseId(named, sha, runs.flatMap((run) => (run.state ? [...run.state.releases, ...run.state.records.keys()] : [])))
    if (final !== release) {
      ctx.report({ kind: 'log', level: 'info', message: `a release named ${release} or later is already on the hosts: this release is ${final}` })
      release = final
      plan = planDeploy(config, { sha, ref, release, hosts, repoHooks })
      await upload?.close()
      upload = startUpload(ctx, runs, { repoDir, sha, release, workDir, source })
    }
    await timed(runs, 'lock', () => runStepHooks('after_lock', runs))

    const shipments = upload === null ? null : await upload.shipments(runs)
    const mirrors = config.strategy === 'git' ? await commitsToMirror(repoDir, config.repo, sha, config.subdir, ctx.cacheDir) : undefined
    // With no hook in between, linking shared paths rides in the upload's round trip.
    const linkWithFetch = !hasHooks(plan, ['after_fetch', 'before_release', 'after_release', 'before_link'])
    const info = (run: DeployRun): ReleaseInfo => ({ id: release, revision: sha, previous: run.previous })
    const stepOf = (step: Step): PlannedStep => plan.steps.find((s) => s.step === step)!
    const runStep = async (step: Step, batch: DeployRun[] = runs): Promise<void> => {
      const planned = stepOf(step)
      // A step with nothing to do anywhere costs no round trip and shows nothing.
      if (planned.localBefore.length + planned.localAfter.length === 0 && Object.values(planned.hosts).every((actions) => actions.length === 0)) return
      const names = batch.filter((r) => r.failed === null).map((r) => r.host.name)
      await runLocalHooks(ctx, planned.localBefore, { id: release, revision: sha, previous: null }, names)
      await runPhase(ctx, step, runs, async (run) => {
        const t0 = performance.now()
        for (const action of planned.hosts[run.host.name] ?? []) {
          if (action.kind === 'hook' && step === 'migrate') run.migrated = true
          if (action.kind === 'hook') await runHookOnHost(ctx, run, action.invocation, info(run))
          else if (!(step === 'link' && linkWithFetch)) await builtinStep(ctx, run, step, { release, sha, ref, shipments, linkWithFetch, ...(mirrors ? { mirrors } : {}) })
        }
        run.durations[step] = performance.now() - t0
      }, batch)
      await runLocalHooks(ctx, planned.localAfter, { id: release, revision: sha, previous: null }, names)
    }

    for (const step of PREPARE) await runStep(step)
    const batches = rolloutBatches(runs, config.rollout?.batch)
    for (const [index, batch] of batches.entries()) {
      if (index > 0) await pause(config.rollout?.pauseMs ?? 0, ctx.signal)
      if (batches.length > 1) ctx.report({ kind: 'log', level: 'info', message: `batch ${index + 1}/${batches.length}: ${batch.map((r) => r.host.name).join(', ')}` })
      for (const step of GO_LIVE) await runStep(step, batch)
    }
    const outcome = await finishDeploy(ctx, runs, { release, sha, ref, started, error: null, stopHeartbeat, runStepHooks, cleanupWithUnlock: !hasHooks(plan, ['after_cleanup', 'before_unlock']) })
    await upload?.recordLive(runs.filter((run) => run.switched && run.failed === null && run.rolledBack !== true))
    return { plan, outcome }
  } catch (caught) {
    const error = toBerthError(caught)
    if (!locked) {
      await closeTransports(transports)
      throw error
    }
    await finishDeploy(ctx, runs, { release, sha, ref, started, error, stopHeartbeat, runStepHooks })
    throw error
  } finally {
    stopHeartbeat()
    // Packing may still be under way (for a host's guessed base, when the run stopped early).
    await upload?.close()
    await rm(workDir, { recursive: true, force: true, maxRetries: 2 })
    await closeTransports(transports)
  }
}

/** A promise awaited later: its rejection is handled there, not reported as unhandled now. */
function quietly<T>(promise: Promise<T> | undefined): Promise<T | undefined> {
  const settled = promise ?? Promise.resolve(undefined)
  settled.catch(() => {})
  return settled
}

async function timed<T>(runs: DeployRun[], step: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  try {
    return await fn()
  } finally {
    for (const run of runs) run.durations[step] = (run.durations[step] ?? 0) + performance.now() - t0
  }
}

/** A real directory at `current` would make the switch impossible: refuse before changing anything. */
function refuseDirectoryCurrent(ctx: RunContext, runs: DeployRun[]): void {
  for (const run of runs) {
    if (run.state?.currentIsDirectory) {
      throw new RemoteCommandError({
        host: run.host.name,
        step: 'lock',
        command: `test -L ${ctx.layout.current}`,
        exitCode: 1,
        signal: null,
        outputTail: [`${ctx.layout.current} is a real directory, not a symlink`],
        hint: `move ${ctx.layout.current} out of the way (berth never deletes it), then deploy again`,
      })
    }
  }
}
