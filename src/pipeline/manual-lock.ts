/**
 * `lock` and `unlock`: hold the deploy lock by hand (e.g. during an incident) and free it.
 * A manual lock never goes stale. `unlock` frees manual locks; a lock held by a deploy
 * is freed only with `--force`, which is recorded in each host's history.
 */
import type { ResolvedConfig } from '../config/types.js'
import { LockHeldError } from '../errors.js'
import { selectRunHosts } from '../inventory/select.js'
import { parseHostState } from '../release/host-state.js'
import { appendHistory } from '../remote/history.js'
import { inspectHost } from '../remote/inspect.js'
import { breakLock } from '../remote/lock.js'
import { script } from '../remote/script.js'
import { createTransports, closeTransports } from '../transport/factory.js'
import { createContext, execOn, type HostRun, type RunOptions } from './context.js'
import { acquireLocks } from './lock.js'
import { runPhase } from './phase.js'

export async function lockEnvironment(config: ResolvedConfig, options: RunOptions & { reason?: string } = {}): Promise<string[]> {
  const ctx = createContext(config, options)
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const transports = createTransports(config, hosts, options.transportFactory)
  const runs: HostRun[] = hosts.map((host) => ({ host, transport: transports.get(host.name)!, state: null, failed: null }))
  try {
    await runPhase(ctx, 'connect', runs, (run) => run.transport.connect?.({ signal: ctx.signal }) ?? Promise.resolve())
    await acquireLocks(ctx, runs, { command: 'lock', manual: true, ...(options.reason ? { reason: options.reason } : {}) })
    return hosts.map((h) => h.name)
  } finally {
    await closeTransports(transports)
  }
}

/** Returns the hosts whose lock was freed. */
export async function unlockEnvironment(config: ResolvedConfig, options: RunOptions & { force?: boolean } = {}): Promise<string[]> {
  const ctx = createContext(config, options)
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const transports = createTransports(config, hosts, options.transportFactory)
  const runs: HostRun[] = hosts.map((host) => ({ host, transport: transports.get(host.name)!, state: null, failed: null }))
  const freed: string[] = []
  try {
    await runPhase(ctx, 'connect', runs, (run) => run.transport.connect?.({ signal: ctx.signal }) ?? Promise.resolve())
    await runPhase(ctx, 'unlock', runs, async (run) => {
      const state = parseHostState((await execOn(ctx, run, inspectHost(ctx.layout), { step: 'unlock' })).stdout)
      const holder = state.lock?.holder ?? null
      if (state.lock === null) return
      if (!holder?.manual && !options.force) {
        throw new LockHeldError({ host: run.host.name, holder, stale: false, environment: config.environment })
      }
      const lines = [breakLock(ctx.layout, options.force ? undefined : holder?.token)]
      if (options.force) {
        const entry = { kind: 'unlock-forced', id: ctx.token, at: ctx.now().toISOString(), user: ctx.identity.user, machine: ctx.identity.machine, holder, result: 'success' }
        lines.push(appendHistory(ctx.layout, entry))
      }
      await execOn(ctx, run, script(...lines), { step: 'unlock' })
      freed.push(run.host.name)
    })
    return freed
  } finally {
    await closeTransports(transports)
  }
}
