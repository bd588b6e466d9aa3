/**
 * `setup`: creates the layout on every host (releases/, shared/ with its linked dirs,
 * .berth/) and runs the `setup` hooks in deployTo. Safe to run again and again.
 */
import type { ResolvedConfig } from '../config/types.js'
import { toBerthError, type BerthError } from '../errors.js'
import type { HostOutcome } from '../events.js'
import { selectRunHosts } from '../inventory/select.js'
import { appendHistory } from '../remote/history.js'
import { setupLayout } from '../remote/shared.js'
import { createTransports, closeTransports } from '../transport/factory.js'
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
    const layout = setupLayout(ctx.layout, config.shared)
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
    const entry = { kind: 'setup', id: ctx.token, at: ctx.now().toISOString(), user: ctx.identity.user, machine: ctx.identity.machine, result: error ? 'failed' : 'success' }
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
  ctx.report({ kind: 'run:summary', command: 'setup', ok: error === null, outcomes, destructive: error ? 'setup stopped: run it again once fixed (it is idempotent)' : 'nothing needs a person', durationMs })
  if (error) throw error
  return outcomes
}
