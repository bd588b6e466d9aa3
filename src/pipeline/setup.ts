/**
 * `setup`: creates the layout on every host (releases/, shared/ with its linked dirs,
 * .berth/) and runs the `setup` hooks in deployTo. Safe to run again and again.
 */
import { assessSetup } from '../attention.js'
import type { ResolvedConfig } from '../config/types.js'
import { describeAttention } from '../attention-text.js'
import type { HostOutcome } from '../events.js'
import { historyActor, setupEntry, type SetupEntry } from '../history/entry.js'
import { sharedEntries } from '../config/shared-entries.js'
import { setupLayout } from '../remote/shared.js'
import { runHookOnHost, runLocalHooks } from './actions.js'
import { execOn, type RunOptions } from './context.js'
import { lockedWork, withFleet } from './fleet-run.js'
import { planHook } from './hooks.js'
import { runPhase } from './phase.js'

export async function setup(config: ResolvedConfig, options: RunOptions = {}): Promise<HostOutcome[]> {
  const started = performance.now()
  return withFleet(config, options, async (fleet) => {
    const { ctx, runs } = fleet
    ctx.report({ kind: 'run:start', command: 'setup', environment: config.environment, hosts: fleet.hosts.map((h) => h.name) })
    const history = (_run: unknown, error: unknown): SetupEntry => setupEntry({ id: ctx.token, at: ctx.now().toISOString(), ...historyActor(ctx.identity), result: error ? 'failed' : 'success' })
    let error = null
    try {
      error = await lockedWork(fleet, { lock: { command: 'setup' }, history }, async () => {
        const layout = setupLayout(ctx.layout, sharedEntries(config))
        const hooks = planHook('setup', { config, hosts: fleet.hosts, defaultCwd: ctx.layout.root, repoHooks: new Map() })
        await runPhase(ctx, 'setup', runs, async (run) => {
          await execOn(ctx, run, layout, { step: 'setup' })
          const release = { id: run.state?.current ?? '', revision: '', previous: null }
          for (const invocation of hooks) if (invocation.host === run.host.name) await runHookOnHost(ctx, run, invocation, release)
        })
        // `local: true` entries run once, on this machine, after every host is set up.
        const local = hooks.filter((invocation) => invocation.host === null)
        await runLocalHooks(ctx, local, { id: '', revision: '', previous: null }, runs.filter((run) => run.failed === null).map((run) => run.host.name))
      })
    } catch (caught) {
      // Before any host was locked (unreachable, a lock held): nothing changed, same summary.
      error = caught
    }
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
  })
}
