/**
 * The deploy plan: what runs where, in which order, as plain serialisable data. Pure and
 * synchronous: `--plan` prints it, unit tests assert it, `execute.ts` carries it out.
 * Per step and host: `before_<step>` hooks, berth's own host command for the step, the
 * step's own hooks (build, migrate, restart, verify), then `after_<step>` hooks. Built-in
 * work of adjacent steps rides in one round trip when no hook runs between them; the
 * plan says which (`joins` / `joinedTo`).
 */
import type { HookName, HostConfig, ResolvedConfig, Step } from '../config/types.js'
import { BODY_HOOKS } from '../config/types.js'
import { deliveryFor } from '../delivery/strategies.js'
import type { Routing } from '../delivery/relay-route.js'
import type { DeliveryStrategy } from '../delivery/strategy.js'
import type { RenderedTemplates } from '../delivery/templates.js'
import type { LockHolder } from '../errors.js'
import { layoutFor } from '../release/layout.js'
import { planHook, type HookInvocation } from './hooks.js'
import { rolloutBatches } from './rollout.js'
import type { PlannedTag } from './tag.js'
import { DEPLOY_STEPS, stepDef } from './steps/registry.js'
import type { Segment, StepDef, StepInput } from './steps/types.js'

export interface BuiltinAction {
  kind: 'builtin'
  host: string
  step: Step
  /** One line for people. */
  what: string
  /** The host command; `<…>` marks what depends on the host's answer under the lock. */
  command: string
  /** Later steps whose built-in work rides in this round trip. */
  joins?: Step[]
  /** This work rides in the round trip of that earlier step. */
  joinedTo?: Step
}
interface HookAction {
  kind: 'hook'
  invocation: HookInvocation
}
export type PlannedAction = BuiltinAction | HookAction

export interface PlannedStep {
  step: Step
  segment: Segment
  /** Local hooks that run before the hosts start the step. */
  localBefore: HookInvocation[]
  /** Per host, in order. */
  hosts: Record<string, PlannedAction[]>
  /** Local hooks that run after every host finished the step. */
  localAfter: HookInvocation[]
  /** Hosts that leave this step out (it finished there in the deploy being resumed). */
  skipped?: string[]
}

interface ResumeInPlan {
  /** The failed run's id, as in its history lines. */
  run: string
  /** Hosts holding the release's files, where it is marked `preparing` again right after the lock. */
  takenUp: string[]
}

export interface DeployPlan {
  app: string
  environment: string
  release: string
  revision: string
  ref: string
  deployTo: string
  strategy: ResolvedConfig['strategy']
  hosts: { name: string; roles: string[]; primary: boolean }[]
  /** Rollout batches, by host name: the `go-live` steps run once per batch, in this order. */
  batches: string[][]
  steps: PlannedStep[]
  /** A resumed deploy: the failed run it continues (its release is this plan's). */
  resume?: ResumeInPlan
  /** The tag the deployed commit gets once the deploy succeeded (as of planning: `{n}` is counted again then). */
  tag?: PlannedTag
  /** `--maintenance`: the page on each host, up before `migrate`, down after `verify` or a failure. */
  maintenancePage?: string
  /** The environment whose live release this run promotes (`berth promote`). */
  promotedFrom?: string
  /** `delivery.via: relay`: which relay passes the release on to which hosts. */
  relays?: Routing
}

export interface PlanInput {
  sha: string
  ref: string
  release: string
  hosts: HostConfig[]
  /** In-repo hook files found in the release tree, by hook name. */
  repoHooks: ReadonlyMap<HookName, readonly string[]>
  /** Steps left out, per host name (`*`: every host): a resumed or promoted deploy. */
  skip?: Readonly<Record<string, readonly Step[]>>
  /** The failed run a resumed deploy continues. */
  resume?: ResumeInPlan
  /** The run's lock holder and clock, when planning a real run. */
  holder?: StepInput['holder']
  createdAt?: Date
  delivery?: DeliveryStrategy
  tag?: PlannedTag
  maintenancePage?: string
  /** The config's templates, rendered from the commit deployed. */
  templates?: RenderedTemplates
  /** The environment whose live release this run promotes (`berth promote`). */
  promotedFrom?: string
}

/** Steps that run before the release directory exists: hooks default to `deployTo`. */
const BEFORE_TREE: ReadonlySet<string> = new Set(['before_lock', 'after_lock', 'before_fetch'])

const PLACEHOLDER_HOLDER: LockHolder & { token: string; command: string } = {
  user: '<user>',
  machine: '<machine>',
  pid: 0,
  since: '<now>',
  command: 'deploy',
  token: '<token>',
}

/** What every step of the run shares (also what the executor hands the steps). */
export function stepInputFor(config: ResolvedConfig, input: PlanInput): StepInput {
  const at = (input.createdAt ?? new Date(0)).toISOString()
  const holder = input.holder ?? PLACEHOLDER_HOLDER
  return {
    config,
    layout: layoutFor(config.deployTo),
    release: input.release,
    sha: input.sha,
    ref: input.ref,
    delivery: input.delivery ?? deliveryFor(config),
    newRecord: {
      release: input.release,
      state: 'preparing',
      revision: input.sha,
      ref: input.ref,
      createdAt: at,
      updatedAt: at,
      deployedBy: `${holder.user}@${holder.machine}`,
      ...(input.promotedFrom === undefined ? {} : { promotedFrom: input.promotedFrom }),
    },
    holder,
    ...(input.templates === undefined ? {} : { templates: input.templates }),
  }
}

export function planDeploy(config: ResolvedConfig, input: PlanInput): DeployPlan {
  const steps = planSteps(config, input, stepInputFor(config, input))
  const relays = (input.delivery ?? deliveryFor(config)).route?.(config, input.hosts.map((h) => h.name))
  return {
    app: config.app,
    environment: config.environment,
    release: input.release,
    revision: input.sha,
    ref: input.ref,
    deployTo: config.deployTo,
    strategy: input.delivery?.name ?? config.strategy,
    hosts: input.hosts.map((h) => ({ name: h.name, roles: h.roles, primary: h.primary })),
    batches: rolloutBatches(input.hosts.map((h) => h.name), config.rollout?.batch),
    steps,
    ...(input.resume === undefined ? {} : { resume: input.resume }),
    ...(input.tag === undefined ? {} : { tag: input.tag }),
    ...(input.maintenancePage === undefined ? {} : { maintenancePage: input.maintenancePage }),
    ...(input.promotedFrom === undefined ? {} : { promotedFrom: input.promotedFrom }),
    ...(relays === undefined ? {} : { relays }),
  }
}

function planSteps(config: ResolvedConfig, input: PlanInput, stepInput: StepInput): PlannedStep[] {
  const releasePath = stepInput.layout.release(input.release)
  const hooksOf = (hook: HookName): HookInvocation[] =>
    planHook(hook, {
      config,
      hosts: input.hosts,
      defaultCwd: BEFORE_TREE.has(hook) ? stepInput.layout.root : releasePath,
      repoHooks: BEFORE_TREE.has(hook) ? new Map() : input.repoHooks,
      allowMissingCwd: hook === 'before_lock',
      ...(hook === 'build' ? { installsInto: { layout: stepInput.layout, release: input.release } } : {}),
    })
  const skipped = (host: string, step: Step): boolean => (input.skip?.['*'] ?? []).includes(step) || (input.skip?.[host] ?? []).includes(step)

  const steps = DEPLOY_STEPS.map((def): PlannedStep => {
    const step = def.name
    const before = hooksOf(`before_${step}`)
    const body = (BODY_HOOKS as readonly string[]).includes(step) ? hooksOf(step as HookName) : []
    const after = hooksOf(`after_${step}`)
    const what = def.builtin?.describe(stepInput) ?? ''
    // The plan's command names no host (that comes with each host's answer): built once, not once a host.
    const command = what === '' ? null : def.builtin!.command(stepInput, null)
    const hosts: Record<string, PlannedAction[]> = {}
    const skippedOn: string[] = []
    for (const host of input.hosts) {
      if (skipped(host.name, step)) {
        hosts[host.name] = []
        skippedOn.push(host.name)
        continue
      }
      const mine = (list: HookInvocation[]): PlannedAction[] => list.filter((inv) => inv.host === host.name).map((invocation) => ({ kind: 'hook', invocation }))
      const builtin: PlannedAction[] = command === null ? [] : [{ kind: 'builtin', host: host.name, step, what, command }]
      hosts[host.name] = [...mine(before), ...builtin, ...mine(body), ...mine(after)]
    }
    const local = (list: HookInvocation[]): HookInvocation[] => list.filter((inv) => inv.host === null)
    // A step every host leaves out runs no local hooks either: it is done.
    if (skippedOn.length > 0 && skippedOn.length === input.hosts.length) return { step, segment: def.segment, localBefore: [], hosts, localAfter: [], skipped: skippedOn }
    return { step, segment: def.segment, localBefore: local(before), hosts, localAfter: [...local(body), ...local(after)], ...(skippedOn.length === 0 ? {} : { skipped: skippedOn }) }
  })
  joinRoundTrips(steps, stepInput)
  return steps
}

/**
 * Marks the built-in work that rides in an earlier step's round trip: a step that says it
 * may join the previous one does, on a host, when both have built-in work there and no
 * hook runs between them anywhere (a local hook, or a hook on any host, is a moment the
 * whole fleet waits for).
 */
function joinRoundTrips(steps: PlannedStep[], input: StepInput): void {
  const builtinOf = (planned: PlannedStep, host: string): BuiltinAction | undefined => planned.hosts[host]?.find((a): a is BuiltinAction => a.kind === 'builtin')
  for (const [i, current] of steps.entries()) {
    const joins = stepDef(current.step).builtin?.joinsPrevious
    if (joins !== true && (typeof joins !== 'function' || !joins(input))) continue
    for (const host of Object.keys(current.hosts)) {
      const mine = builtinOf(current, host)
      if (mine === undefined) continue
      // The nearest earlier step with built-in work on this host, with nothing in between.
      let j = i - 1
      while (j >= 0 && builtinOf(steps[j]!, host) === undefined) j--
      if (j < 0) continue
      const between = steps.slice(j, i + 1)
      if (between.some((s) => s.segment !== current.segment) || hasHookBetween(between)) continue
      const before = builtinOf(steps[j]!, host)!
      const leader = before.joinedTo === undefined ? before : builtinOf(steps.find((s) => s.step === before.joinedTo)!, host)!
      leader.joins = [...(leader.joins ?? []), mine.step]
      mine.joinedTo = leader.step
    }
  }
}

/**
 * A hook anywhere from the first step's built-in work to the last one's, on any host or
 * locally: the steps in between must have none at all.
 */
function hasHookBetween(span: PlannedStep[]): boolean {
  const first = span[0]!
  const last = span.at(-1)!
  const middle = span.slice(1, -1)
  const afterBuiltin = (actions: PlannedAction[]): PlannedAction[] => {
    const at = actions.findIndex((a) => a.kind === 'builtin')
    return at === -1 ? actions : actions.slice(at + 1)
  }
  const beforeBuiltin = (actions: PlannedAction[]): PlannedAction[] => {
    const at = actions.findIndex((a) => a.kind === 'builtin')
    return at === -1 ? actions : actions.slice(0, at)
  }
  return (
    first.localAfter.length > 0 ||
    last.localBefore.length > 0 ||
    middle.some((s) => s.localBefore.length + s.localAfter.length > 0 || Object.values(s.hosts).some((actions) => actions.length > 0)) ||
    Object.values(first.hosts).some((actions) => afterBuiltin(actions).length > 0) ||
    Object.values(last.hosts).some((actions) => beforeBuiltin(actions).length > 0)
  )
}

/** The steps in one segment of the deploy, in order. */
export const stepsIn = (segment: Segment): readonly StepDef[] => DEPLOY_STEPS.filter((def) => def.segment === segment)
