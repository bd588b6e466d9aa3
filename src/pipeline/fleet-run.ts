/**
 * One scaffold for every command that works on the hosts of an environment: deploy,
 * rollback, setup, lock, unlock and the read-only queries. It selects the hosts, makes one
 * transport per host and starts every connection at once (bounded: a burst of handshakes
 * would trip sshd's MaxStartups), and guarantees the end: connections still being made
 * are waited for and every transport is closed, whatever happened. Commands that change
 * hosts add `lockedWork`: connect all, lock all, work, then always a history line and
 * the unlock on every host the run locked.
 */
import { tmpdir } from 'node:os'
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { toBerthError, type BerthError } from '../errors.js'
import type { HistoryEntry } from '../history/entry.js'
import { startBounded } from '../fleet/pool.js'
import { selectRunHosts } from '../inventory/select.js'
import { appendHistory } from '../remote/history.js'
import { sweepDeadRunDirs } from '../run-dirs.js'
import { closeTransports, controlBase, createTransports } from '../transport/factory.js'
import { createContext, type HostRun, type RunContext, type RunOptions } from './context.js'
import { acquireLocks, releaseLocks, type LockOptions } from './lock.js'
import { runPhase } from './phase.js'

export interface Fleet {
  ctx: RunContext
  hosts: HostConfig[]
  runs: HostRun[]
  /** Resolves once this host is connected (and trusted); rejects if it cannot be. */
  connected(run: HostRun): Promise<void>
  /** Every host connected, or the phase fails naming those that are not. */
  connectAll(): Promise<void>
  /** Hosts whose lock the work itself already freed (in its last round trip). */
  unlocked: Set<HostRun>
}

/** Opens the fleet and always closes it after `work`, whatever `work` did. */
export async function withFleet<T>(config: ResolvedConfig, options: RunOptions & { connect?: boolean }, work: (fleet: Fleet) => Promise<T>): Promise<T> {
  const ctx = createContext(config, options)
  // What runs killed outright (SIGKILL) left on this machine goes now.
  for (const base of new Set([tmpdir(), controlBase()])) sweepDeadRunDirs(base)
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const transports = createTransports(config, hosts, options.transportFactory)
  const runs: HostRun[] = hosts.map((host) => ({ host, transport: transports.get(host.name)!, state: null, failed: null }))
  const connecting = startBounded(options.connect === false ? [] : runs, ctx.concurrency, (run) => run.transport.connect?.({ signal: ctx.signal }) ?? Promise.resolve())
  const connected = (run: HostRun): Promise<void> => connecting.get(run) ?? Promise.resolve()
  const fleet: Fleet = {
    ctx,
    hosts,
    runs,
    connected,
    // Every host must be reachable and trusted before any is touched, even by a lock.
    connectAll: () => runPhase(ctx, 'connect', runs, connected),
    unlocked: new Set(),
  }
  try {
    return await work(fleet)
  } finally {
    await Promise.allSettled(connecting.values())
    await closeTransports(transports)
  }
}

export interface LockedWork {
  lock: LockOptions
  /** The history line each host gets; `error` is why the work stopped, or null. */
  history: (run: HostRun, error: BerthError | null) => HistoryEntry
}

/**
 * Connects and locks every host, runs `work`, then writes each locked host's history line
 * and frees its lock, also after a failure or an interruption. Returns why the work
 * stopped (null: it went through); an error before the lock is thrown as it is.
 */
export async function lockedWork(fleet: Fleet, options: LockedWork, work: () => Promise<void>): Promise<BerthError | null> {
  const { ctx, runs } = fleet
  await fleet.connectAll()
  await acquireLocks(ctx, runs, options.lock)
  let error: BerthError | null = null
  try {
    await work()
  } catch (caught) {
    error = toBerthError(caught)
  }
  const toUnlock = runs.filter((run) => !fleet.unlocked.has(run))
  const unlockErrors = await releaseLocks(ctx, toUnlock, (run) => appendHistory(ctx.layout, options.history(run, error)))
  for (const failure of unlockErrors) {
    ctx.report({ kind: 'log', level: 'warn', message: `could not release the lock on ${failure.host ?? 'a host'}: ${failure.message}`, ...(failure.host ? { host: failure.host } : {}) })
  }
  return error
}
