/**
 * Read-only runs over the fleet: connect to every selected host in parallel and run one
 * command there, collecting a result or an error per host. Used by `releases`, `status`,
 * `history`, `check` and `run`; never takes the lock, never changes a host.
 */
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { toBerthError, type BerthError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import type { ExecResult } from '../transport/types.js'
import { execOn, type HostExec, type RunContext, type RunOptions } from './context.js'
import { withFleet } from './fleet-run.js'

export type PerHost<T> = { host: HostConfig; ok: true; value: T } | { host: HostConfig; ok: false; error: BerthError }

export async function onEachHost<T>(
  config: ResolvedConfig,
  options: RunOptions,
  command: (ctx: RunContext, host: HostConfig) => string,
  parse: (result: ExecResult, host: HostConfig) => T,
  exec: HostExec | ((host: HostConfig) => HostExec) = {},
): Promise<PerHost<T>[]> {
  return withFleet(config, options, async (fleet) => {
    const { ctx } = fleet
    const results = await settleAll(fleet.runs, ctx.concurrency, async (run) => {
      await fleet.connected(run)
      return parse(await execOn(ctx, run, command(ctx, run.host), typeof exec === 'function' ? exec(run.host) : exec), run.host)
    })
    return results.map((r) => (r.ok ? { host: r.item.host, ok: true, value: r.value } : { host: r.item.host, ok: false, error: toBerthError(r.error) }))
  })
}
