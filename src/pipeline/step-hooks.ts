/**
 * The hooks of the steps berth carries out across all hosts at once rather than per host
 * inside a step: `before_lock`/`after_lock`, `before_cleanup`/`after_cleanup` and
 * `before_unlock`/`after_unlock`. Each runs at its own moment of the deploy (before the
 * lock is taken, after it, around cleanup, around unlocking), from the same plan that
 * `--plan` prints.
 */
import type { HookName, Step } from '../config/types.js'
import type { BerthError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import { runHookOnHost, runLocalHooks, type ReleaseInfo } from './actions.js'
import type { RunContext } from './context.js'
import type { DeployRun } from './deploy-finish.js'
import type { HookInvocation } from './hooks.js'
import type { DeployPlan } from './plan.js'
import { runPhase } from './phase.js'

export type StepHookName = `${'before' | 'after'}_${'lock' | 'cleanup' | 'unlock'}`

/**
 * Runs one such hook on the runs still in the deploy. `isFatal: false` is for hooks that
 * run after the new release went live and was verified (cleanup, unlock): a failure there
 * cannot undo the deploy, so it is reported as a warning instead of failing the hosts.
 */
export type StepHookRunner = (hook: StepHookName, runs: DeployRun[], options?: { isFatal?: boolean }) => Promise<void>

export function createStepHookRunner(ctx: RunContext, plan: () => DeployPlan, info: (run: DeployRun | null) => ReleaseInfo): StepHookRunner {
  return async (hook, runs, { isFatal = true } = {}) => {
    const step = hook.replace(/^(before|after)_/, '') as Step
    const planned = plan().steps.find((s) => s.step === step)
    if (!planned) return
    const local = [...planned.localBefore, ...planned.localAfter].filter((invocation) => invocation.hook === hook)
    const onHost = (run: DeployRun): HookInvocation[] =>
      (planned.hosts[run.host.name] ?? []).flatMap((action) => (action.kind === 'hook' && action.invocation.hook === (hook as HookName) ? [action.invocation] : []))
    const active = runs.filter((run) => run.failed === null)
    if (local.length === 0 && active.every((run) => onHost(run).length === 0)) return
    const names = active.map((run) => run.host.name)
    const runOnHost = async (run: DeployRun): Promise<void> => {
      for (const invocation of onHost(run)) await runHookOnHost(ctx, run, invocation, info(run))
    }
    if (isFatal) {
      await runLocalHooks(ctx, local, info(null), names)
      await runPhase(ctx, step, runs, runOnHost)
      return
    }
    const warn = (run: DeployRun | null) => (error: BerthError) =>
      ctx.report({ kind: 'log', level: 'warn', message: `${error.message} (the deploy itself succeeded)`, ...(run ? { host: run.host.name } : {}) })
    await runLocalHooks(ctx, local, info(null), names).catch(warn(null))
    await settleAll(active, ctx.concurrency, (run) => runOnHost(run).catch(warn(run)))
  }
}
