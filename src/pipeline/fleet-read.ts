/**
 * Read-only runs over the fleet: connect to every selected host in parallel and run one
 * command there, collecting a result or an error per host. Used by `releases`, `status`,
 * `history`, `check` and `run`; never takes the lock, never changes a host.
 */
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { toBerthError, type BerthError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import { selectRunHosts } from '../inventory/select.js'
import { createTransports, closeTransports } from '../transport/factory.js'
import type { ExecResult } from '../transport/types.js'
import { createContext, execOn, type HostExec, type HostRun, type RunContext, type RunOptions } from './context.js'

export type PerHost<T> = { host: HostConfig; ok: true; value: T } | { host: HostConfig; ok: false; error: BerthError }

export async function onEachHost<T>(
  config: ResolvedConfig,
  options: RunOptions,
  command: (ctx: RunContext, host: HostConfig) => string,
  parse: (result: ExecResult, host: HostConfig) => T,
  exec: HostExec | ((host: HostConfig) => HostExec) = {},
): Promise<PerHost<T>[]> {
  const ctx = createContext(config, options)
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const transports = createTransports(config, hosts, options.transportFactory)
  try {
    const results = await settleAll(hosts, ctx.concurrency, async (host) => {
      const run: HostRun = { host, transport: transports.get(host.name)!, state: null, failed: null }
      await run.transport.connect?.({ signal: ctx.signal })
      return parse(await execOn(ctx, run, command(ctx, host), typeof exec === 'function' ? exec(host) : exec), host)
    })
    return results.map((r) => (r.ok ? { host: r.item, ok: true, value: r.value } : { host: r.item, ok: false, error: toBerthError(r.error) }))
  } finally {
    await closeTransports(transports)
  }
}
