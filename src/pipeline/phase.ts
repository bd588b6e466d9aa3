/**
 * Runs one step on every active host in parallel (bounded), settles them all, and applies
 * the `onFailure` policy: `abort` stops the run at the first failed host, `continue` and
 * `maxFailed` drop failed hosts and go on while the budget allows. An interruption always
 * stops the run. The next step never starts while a host is still in this one.
 */
import type { FailurePolicy } from '../config/types.js'
import { HostsFailedError, InterruptedError, toBerthError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import { interrupted, type HostRun, type RunContext } from './context.js'

/**
 * `runs` are all hosts of the run (the failure budget counts them all); `only` limits the
 * phase to some of them (a rollout batch).
 */
export async function runPhase<R extends HostRun>(ctx: RunContext, step: string, runs: R[], work: (run: R) => Promise<void>, only: R[] = runs): Promise<void> {
  const active = only.filter((run) => run.failed === null)
  if (active.length === 0) return
  const hosts = active.map((run) => run.host.name)
  const started = performance.now()
  ctx.report({ kind: 'step:start', step, hosts })
  await settleAll(active, ctx.concurrency, async (run) => {
    const t0 = performance.now()
    ctx.report({ kind: 'host:step', host: run.host.name, step, status: 'start' })
    try {
      await work(run)
      ctx.report({ kind: 'host:step', host: run.host.name, step, status: 'done', durationMs: performance.now() - t0 })
    } catch (caught) {
      const error = toBerthError(caught)
      run.failed = { step, error }
      ctx.report({ kind: 'host:step', host: run.host.name, step, status: 'failed', durationMs: performance.now() - t0, error })
    }
  })
  ctx.report({ kind: 'step:done', step, hosts, durationMs: performance.now() - started })
  enforcePolicy(ctx, step, runs)
}

/** Throws when the failures so far exceed what the policy allows. */
function enforcePolicy(ctx: RunContext, step: string, runs: HostRun[]): void {
  const failed = runs.filter((run) => run.failed !== null)
  if (ctx.signal.aborted || failed.some((run) => run.failed?.error instanceof InterruptedError)) throw interrupted(step)
  if (failed.length === 0) return
  if (!withinBudget(ctx.config.onFailure, failed.length, runs.length)) {
    throw new HostsFailedError(step, failed.map((run) => run.failed!.error), runs.length)
  }
}

function withinBudget(policy: FailurePolicy, failed: number, total: number): boolean {
  if (failed >= total) return false
  switch (policy.kind) {
    case 'abort':
      return false
    case 'continue':
      return true
    case 'maxFailed':
      if (policy.count !== undefined) return failed <= policy.count
      return (failed / total) * 100 <= (policy.percent ?? 0)
  }
}
