/**
 * `setup`: creates the layout on every host (releases/, shared/ with its linked dirs,
 * .berth/) and runs the `setup` hooks in deployTo. Safe to run again and again.
 */
import { posix } from 'node:path'
import { assessSetup } from '../attention.js'
import type { ResolvedConfig } from '../config/types.js'
import { toBerthError, type BerthError } from '../errors.js'
import type { HostOutcome } from '../events.js'
import { historyActor, setupEntry } from '../history/entry.js'
import { selectRunHosts } from '../inventory/select.js'
import { appendHistory, ensureLayout } from '../release/commands.js'
import { shellJoin } from '../transport/quote.js'
import { createTransports, closeTransports } from '../transport/factory.js'
import { describeAttention } from '../ui/attention.js'
import { runHookOnHost } from './actions.js'
import { createContext, execOn, type HostRun, type RunOptions } from './context.js'
import { planHook } from './hooks.js'
import { acquireLocks, releaseLocks } from './lock.js'
import { runPhase } from './phase.js'

export async function setup(config: ResolvedConfig, options: RunOptions = {}): Promise<HostOutcome[]> {
  const started = performance.now()
  const ctx = createContext(config, options)
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const transports = createTransports(config, hosts, options.transportFactory)
  const runs: HostRun[] = hosts.map((host) => ({ host, transport: transports.get(host.name)!, state: null, failed: null }))
  ctx.report({ kind: 'run:start', command: 'setup', environment: config.environment, hosts: hosts.map((h) => h.name) })
  let error: BerthError | null = null
  let locked = false
  try {
    await runPhase(ctx, 'connect', runs, (run) => run.transport.connect?.({ signal: ctx.signal }) ?? Promise.resolve())
    await acquireLocks(ctx, runs, { command: 'setup' })
    locked = true
    const sharedDirs = config.shared.dirs.map((dir) => posix.join(ctx.layout.shared, dir))
    const sharedParents = config.shared.files.map((file) => posix.dirname(posix.join(ctx.layout.shared, file)))
    const layout = [ensureLayout(ctx.layout), shellJoin(['mkdir', '-p', ...new Set([...sharedDirs, ...sharedParents])])].join(' && ')
    await runPhase(ctx, 'setup', runs, async (run) => {
      await execOn(ctx, run, layout, { step: 'setup' })
      const release = { id: run.state?.current ?? '', revision: '', previous: null }
      for (const invocation of planHook('setup', { config, hosts: [run.host], defaultCwd: ctx.layout.root, repoHooks: new Map() })) {
        if (invocation.host !== null) await runHookOnHost(ctx, run, invocation, release)
      }
    })
  } catch (caught) {
    error = toBerthError(caught)
  }
  if (locked) {
    const entry = setupEntry({ id: ctx.token, at: ctx.now().toISOString(), ...historyActor(ctx.identity), result: error ? 'failed' : 'success' })
    await releaseLocks(ctx, runs, () => appendHistory(ctx.layout, entry))
  }
  await closeTransports(transports)
  const outcomes = runs.map((run): HostOutcome => ({
    host: run.host.name,
    live: run.state?.current ?? null,
    switched: false,
    ...(run.failed ? { failedStep: run.failed.step, error: run.failed.error } : {}),
  }))
  const durationMs = performance.now() - started
  const attention = assessSetup(error === null)
  ctx.report({ kind: 'run:summary', command: 'setup', ok: error === null, outcomes, attention, destructive: describeAttention(attention, 'setup'), durationMs })
  if (error) throw error
  return outcomes
}
