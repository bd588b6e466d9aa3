/**
 * Carries out a deploy plan, step by step, from the step definitions in `steps/`: this
 * file holds no step name. Each step runs as one phase over the hosts (every host
 * finishes it before the next starts): its local hooks, then per host its actions in
 * the plan's order — hooks, and berth's own work as one round trip that may carry the
 * work of later steps the plan joined to it. Steps that work fleet-wide (the lock) do
 * their built-in work at once for all hosts, between their hooks.
 */
import type { Step } from '../config/types.js'
import type { HostDelivery } from '../delivery/strategy.js'
import { toBerthError, type BerthError } from '../errors.js'
import type { HistoryEntry } from '../history/entry.js'
import { settleAll } from '../fleet/pool.js'
import { sequence } from '../remote/script.js'
import { runHookOnHost, runLocalHooks, type ReleaseInfo } from './actions.js'
import { execOn, warn, type RunContext } from './context.js'
import { transition, type DeployHost } from './deploy-host.js'
import type { HookInvocation } from './hooks.js'
import type { DeployMaintenance } from './maintenance.js'
import { runPhase } from './phase.js'
import type { BuiltinAction, DeployPlan, PlannedAction, PlannedStep } from './plan.js'
import { DEPLOY_STEPS, stepDef } from './steps/registry.js'
import type { HostFacts, StepDef, StepInput } from './steps/types.js'

export interface Execution {
  ctx: RunContext
  plan: DeployPlan
  input: StepInput
  hosts: DeployHost[]
  /** Each host's part of the delivery, once the hosts have answered under the lock. */
  deliveries: Map<string, HostDelivery>
  /** The history line each host gets when the run closes. */
  history?: (host: DeployHost) => HistoryEntry
  /** Built-in work done so far, as `host step`: work the plan joined to a step that did not run still runs. */
  ran: Set<string>
  /** The local repository the deployed commit is tagged in once the deploy succeeded (`tag:`). */
  tagRepo?: string
  /** `deploy --maintenance`: taken down when the run closes, on the hosts it went up on. */
  maintenance?: DeployMaintenance
}

const key = (host: DeployHost, step: Step): string => `${host.host.name} ${step}`

export interface StepRunOptions {
  /** The hosts the step runs on (a rollout batch, the hosts still in the run). @default every host */
  only?: DeployHost[]
  /**
   * After the deploy is decided: failures are warnings, not failed hosts, and the step
   * runs even after an interruption (freeing locks is part of stopping).
   */
  isBestEffort?: boolean
  /** Run only berth's own work, not the step's hooks (the unlock of a failed deploy). */
  skipHooks?: boolean
  /** For a step working fleet-wide: runs right after its built-in work, before its `after_` hooks. */
  afterBuiltin?: () => Promise<void>
}


export async function runStep(x: Execution, def: StepDef, options: StepRunOptions = {}): Promise<void> {
  // Read from the plan as it is now: the lock's `afterBuiltin` may re-plan (a renamed release).
  const planned = (): PlannedStep | undefined => x.plan.steps.find((s) => s.step === def.name)
  if (!planned()) return
  const only = options.only ?? x.hosts
  const hosts = options.isBestEffort ? only : only.filter((host) => host.failed === null)
  // After the decision a failed host still gets berth's own work (its unlock), not the hooks.
  const hasHooks = (host: DeployHost): boolean => !options.skipHooks && host.failed === null
  const actionsOf = (host: DeployHost): PlannedAction[] => (planned()!.hosts[host.host.name] ?? []).filter((a) => a.kind === 'builtin' || hasHooks(host))
  const local = (): { before: HookInvocation[]; after: HookInvocation[] } => (options.skipHooks ? { before: [], after: [] } : { before: planned()!.localBefore, after: planned()!.localAfter })
  // A step with nothing to do anywhere costs no round trip and shows nothing.
  if (local().before.length + local().after.length === 0 && hosts.every((host) => actionsOf(host).length === 0)) return
  const names = hosts.filter((host) => host.failed === null).map((host) => host.host.name)
  // Local hooks run once for the fleet: the release it had before, when the hosts agree on one.
  const previous = new Set(hosts.map((host) => host.previous))
  const release = (): ReleaseInfo => ({ id: x.plan.release, revision: x.plan.revision, previous: previous.size === 1 ? [...previous][0]! : null })
  await guarded(x, options, null, () => runLocalHooks(x.ctx, local().before, release(), names))

  const runActions = (actions: PlannedAction[]) => async (host: DeployHost) => {
    const t0 = performance.now()
    try {
      for (const action of actions) {
        // After the decision each action stands alone: a failed hook must not keep the unlock from running.
        if (action.kind === 'hook' && isInstalledAlready(host, action.invocation)) reportReused(x, host, action.invocation)
        else if (action.kind === 'hook') await guarded(x, options, host, () => runHook(x, def, host, action.invocation, options))
        else if (!x.ran.has(key(host, action.step))) await runRoundTrip(x, host, action, options)
      }
    } finally {
      transition.spent(host, def.name, performance.now() - t0)
    }
  }
  const builtinAt = (host: DeployHost): number => actionsOf(host).findIndex((a) => a.kind === 'builtin')
  // Hosts whose own work in the step is done, recorded even when another host fails the step:
  // a migration that ran on one host must be known as done there (`deploy --resume`).
  const finished = new Set<DeployHost>()
  const part = async (pick: (host: DeployHost) => PlannedAction[], isLast: boolean): Promise<void> => {
    const done = (host: DeployHost): void => {
      if (isLast) finished.add(host)
    }
    // No round trip, and no events, for a part with nothing to do on any host.
    if (hosts.every((host) => pick(host).length === 0)) {
      hosts.forEach(done)
      return
    }
    await phase(x, def.name, hosts, options, async (host) => {
      await runActions(pick(host))(host)
      done(host)
    })
  }
  const complete = (): void => {
    for (const host of finished) if (host.failed === null) transition.completed(host, def.name)
  }
  const beforeBuiltin = (host: DeployHost): PlannedAction[] => (builtinAt(host) === -1 ? actionsOf(host) : actionsOf(host).slice(0, builtinAt(host)))
  const fromBuiltin = (host: DeployHost): PlannedAction[] => (builtinAt(host) === -1 ? [] : actionsOf(host).slice(builtinAt(host)))
  try {
    if (def.runFleet) {
      await part(beforeBuiltin, false)
      const t0 = performance.now()
      await def.runFleet(x.ctx, hosts, x.input)
      for (const host of hosts) transition.spent(host, def.name, performance.now() - t0)
      await options.afterBuiltin?.()
      await part((host) => fromBuiltin(host).slice(1), true)
    } else {
      await part(actionsOf, true)
    }
  } catch (error) {
    complete()
    throw error
  }
  await guarded(x, options, null, () => runLocalHooks(x.ctx, local().after, release(), names))
  complete()
}

/** One phase: a failed host fails the step (within `onFailure`), or, after the decision, warns. */
async function phase(x: Execution, step: Step, hosts: DeployHost[], options: StepRunOptions, work: (host: DeployHost) => Promise<void>): Promise<void> {
  if (!options.isBestEffort) return runPhase(x.ctx, step, x.hosts, work, hosts)
  await settleAll(hosts, x.ctx.concurrency, (host) => guarded(x, options, host, () => work(host)))
}

async function guarded(x: Execution, options: StepRunOptions, host: DeployHost | null, work: () => Promise<void>): Promise<void> {
  if (!options.isBestEffort) return work()
  try {
    await work()
  } catch (error) {
    warn(x.ctx, host, `${toBerthError(error).message} (the deploy itself succeeded)`)
  }
}

async function runHook(x: Execution, def: StepDef, host: DeployHost, invocation: HookInvocation, options: StepRunOptions): Promise<void> {
  def.hookStarting?.(host)
  const release: ReleaseInfo = { id: x.plan.release, revision: x.plan.revision, previous: host.previous }
  await runHookOnHost(x.ctx, host, invocation, release, options.isBestEffort ? { cleanup: false } : {})
}

/** A hook that installs only directories this host took from the live release (`reuse:`) has nothing to do. */
function isInstalledAlready(host: DeployHost, invocation: HookInvocation): boolean {
  return invocation.installs !== undefined && invocation.installs.every((path) => host.reused.includes(path))
}

function reportReused(x: Execution, host: DeployHost, invocation: HookInvocation): void {
  const message = `${invocation.installs!.join(', ')} unchanged since ${host.previous ?? 'the live release'}: copied from it, \`${invocation.display}\` not run`
  x.ctx.report({ kind: 'log', level: 'info', message, host: host.host.name })
}

/** Berth's own work of a step on one host, with that of the steps the plan joined to it: one command. */
async function runRoundTrip(x: Execution, host: DeployHost, action: BuiltinAction, options: StepRunOptions): Promise<void> {
  const members = [action.step, ...(action.joins ?? [])].filter((step) => !x.ran.has(key(host, step))).map(stepDef).filter((def) => def.builtin !== undefined)
  for (const def of members) x.ran.add(key(host, def.name))
  const facts: HostFacts = {
    host,
    now: x.ctx.now(),
    ...(x.deliveries.has(host.host.name) ? { delivery: x.deliveries.get(host.host.name)! } : {}),
    ...(x.history ? { history: x.history(host) } : {}),
  }
  const parts = members.flatMap((def) => {
    const command = def.builtin!.command(x.input, facts)
    return command === null ? [] : [{ def, command }]
  })
  if (parts.length === 0) return
  const [first] = parts
  const command = parts.length === 1 ? first!.command : sequence(...parts.map((part) => part.command))
  const stdin = first!.def.builtin!.stdin?.(facts, x.input)
  const display = first!.def.builtin!.display?.(x.input, facts)
  for (const { def } of parts) def.builtin!.starting?.(x.ctx, facts, x.input)
  let stderr: string
  let stdout: string
  try {
    const result = await execOn(x.ctx, host, command, {
      step: first!.def.name,
      ...(parts.length > 1 ? { steps: parts.map((part) => part.def.name) } : {}),
      ...(stdin ? { stdin: stdin() } : {}),
      // A part with nothing to run (the build step without `reuse:`) cannot run long.
      ...(parts.some(({ def, command: part }) => part !== '' && def.builtin!.isLong?.(facts)) ? { brief: false } : stdin && first!.def.builtin!.hasPlainInput && host.state?.base64 ? { brief: true } : {}),
      ...(display ? { display } : {}),
      ...(options.isBestEffort ? { cleanup: true } : {}),
    })
    stderr = result.stderr
    stdout = result.stdout
  } catch (error) {
    for (const { def } of parts) def.builtin!.failed?.(error, facts)
    if (options.isBestEffort) {
      const what = parts.at(-1)!.def.builtin!.bestEffort?.(host.host.name) ?? `${first!.def.name} failed`
      warn(x.ctx, host, `${what}: ${toBerthError(error).message}`)
      return
    }
    throw error
  }
  // berth's own scripts say what went wrong without failing (old releases not removed) as `berth: …` lines.
  for (const line of stderr.split('\n')) if (line.startsWith('berth: ')) warn(x.ctx, host, line.slice('berth: '.length))
  // A step counts as completed on the host only once its hooks there ran too (`runStep`):
  // a joined step whose hooks then fail must run again on `deploy --resume`.
  for (const { def } of parts) {
    def.builtin!.done?.(x.ctx, facts, x.input, stderr, stdout)
    transition.builtinDone(host, def.name)
    if (def.builtin!.completesAlone === true) transition.completed(host, def.name)
  }
}

/** Undoes, on each of `hosts`, what the steps did there, last step first. */
export async function revertHosts(x: Execution, hosts: DeployHost[]): Promise<void> {
  for (const def of [...DEPLOY_STEPS].reverse()) {
    if (def.revert === undefined) continue
    await settleAll(hosts, x.ctx.concurrency, (host) => def.revert!(x.ctx, host, x.input).catch((error: BerthError) => warn(x.ctx, host, error.message)))
  }
}

