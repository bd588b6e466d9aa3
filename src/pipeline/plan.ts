/**
 * The deploy plan: what runs where, in which order, as plain serialisable data. Pure and
 * synchronous; `--plan` prints it, unit tests assert it, `execute-deploy.ts` carries it out.
 * Per step: `before_<step>` hooks, berth's own work for the step, the step's own hooks
 * (build, migrate, restart, verify), then `after_<step>` hooks.
 */
import { BODY_HOOKS, STEPS, type HookName, type HostConfig, type ResolvedConfig, type Step } from '../config/types.js'
import { layoutFor } from '../release/layout.js'
import { planHook, type HookInvocation } from './hooks.js'

export interface BuiltinAction {
  kind: 'builtin'
  host: string
  step: Step
  what: string
}
export interface HookAction {
  kind: 'hook'
  invocation: HookInvocation
}
export type PlannedAction = BuiltinAction | HookAction

export interface PlannedStep {
  step: Step
  /** Local hooks that run before the hosts start the step. */
  localBefore: HookInvocation[]
  /** Per host, in order. */
  hosts: Record<string, PlannedAction[]>
  /** Local hooks that run after every host finished the step. */
  localAfter: HookInvocation[]
}

export interface DeployPlan {
  app: string
  environment: string
  release: string
  revision: string
  ref: string
  deployTo: string
  strategy: 'upload' | 'git'
  hosts: { name: string; roles: string[]; primary: boolean }[]
  steps: PlannedStep[]
}

export interface PlanInput {
  sha: string
  ref: string
  release: string
  hosts: HostConfig[]
  /** In-repo hook files found in the release tree, by hook name. */
  repoHooks: ReadonlyMap<HookName, readonly string[]>
}

const BUILTIN: Partial<Record<Step, (release: string, config: ResolvedConfig) => string>> = {
  lock: () => 'take the deploy lock (mkdir .berth/lock) and read the host state',
  fetch: (release, config) =>
    config.strategy === 'upload'
      ? `upload new and changed files into releases/${release} (the rest hard-linked from the live release), write REVISION`
      : `fetch repo/ and archive the commit into releases/${release}, write REVISION`,
  link: (_release, config) => {
    const entries = [...config.shared.dirs, ...config.shared.files]
    return entries.length === 0 ? '' : `link from shared/: ${entries.join(', ')}`
  },
  switch: (release) => `point current at releases/${release} (atomic rename)`,
  cleanup: (_release, config) => `keep the newest ${config.keepReleases} good releases, remove failed ones`,
  unlock: () => 'record history and release the lock',
}

/** Steps that run before the release directory exists: hooks default to `deployTo`. */
const BEFORE_TREE: ReadonlySet<string> = new Set(['before_lock', 'after_lock', 'before_fetch'])

export function planDeploy(config: ResolvedConfig, input: PlanInput): DeployPlan {
  const layout = layoutFor(config.deployTo)
  const releasePath = layout.release(input.release)
  const hooksOf = (hook: HookName): HookInvocation[] =>
    planHook(hook, {
      config,
      hosts: input.hosts,
      defaultCwd: BEFORE_TREE.has(hook) ? layout.root : releasePath,
      repoHooks: BEFORE_TREE.has(hook) ? new Map() : input.repoHooks,
      allowMissingCwd: hook === 'before_lock',
    })

  const steps = STEPS.map((step): PlannedStep => {
    const before = hooksOf(`before_${step}`)
    const body = (BODY_HOOKS as readonly string[]).includes(step) ? hooksOf(step as HookName) : []
    const after = hooksOf(`after_${step}`)
    const what = BUILTIN[step]?.(input.release, config) ?? ''
    const hosts: Record<string, PlannedAction[]> = {}
    for (const host of input.hosts) {
      const mine = (list: HookInvocation[]): PlannedAction[] =>
        list.filter((inv) => inv.host === host.name).map((invocation) => ({ kind: 'hook', invocation }))
      hosts[host.name] = [
        ...mine(before),
        ...(what === '' ? [] : [{ kind: 'builtin', host: host.name, step, what } satisfies BuiltinAction]),
        ...mine(body),
        ...mine(after),
      ]
    }
    const local = (list: HookInvocation[]): HookInvocation[] => list.filter((inv) => inv.host === null)
    return { step, localBefore: local(before), hosts, localAfter: [...local(body), ...local(after)] }
  })

  return {
    app: config.app,
    environment: config.environment,
    release: input.release,
    revision: input.sha,
    ref: input.ref,
    deployTo: config.deployTo,
    strategy: config.strategy,
    hosts: input.hosts.map((h) => ({ name: h.name, roles: h.roles, primary: h.primary })),
    steps,
  }
}

/** Whether any of these hooks runs anywhere in the plan (on a host or locally). */
export function hasHooks(plan: DeployPlan, names: readonly HookName[]): boolean {
  return plan.steps.some(
    (step) =>
      [...step.localBefore, ...step.localAfter].some((invocation) => names.includes(invocation.hook)) ||
      Object.values(step.hosts).some((actions) => actions.some((action) => action.kind === 'hook' && names.includes(action.invocation.hook))),
  )
}
