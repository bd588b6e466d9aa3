/**
 * What the page asks of berth, answered by the same core functions the commands call:
 * `status`, `releases` and `history` in one read of each host, `deploy` and `rollback`
 * with their events sent to both the terminal `berth ui` runs in and the page.
 */
import type { ResolvedConfig } from '../config/types.js'
import type { Reporter } from '../events.js'
import { serializeError } from '../errors-json.js'
import type { RunOptions } from '../pipeline/context.js'
import { deploy } from '../pipeline/deploy.js'
import { getHistory, getOverview } from '../pipeline/queries.js'
import { rollback } from '../pipeline/rollback.js'
import type { CockpitCore } from './app.js'

/**
 * `settle`: what a run from the page owes its webhooks once it ended (the failure of a run
 * stopped before its summary; the session's notifier), awaited before the page hears the end.
 */
export type SettleRun = (error: { message: string } | null) => Promise<void>

export function createCockpitCore(config: ResolvedConfig, options: RunOptions & { settle?: SettleRun }): CockpitCore {
  // Both the terminal and the page see a run from the page.
  const tee = (report: Reporter): RunOptions => ({
    ...options,
    reporter: (event) => {
      options.reporter?.(event)
      report(event)
    },
  })
  let reading: Promise<Record<string, unknown>> | null = null
  return {
    app: config.app,
    environment: config.environment,
    // Several tabs refreshing at once share one read of the fleet.
    readFleet: () => (reading ??= readFleet(config, options).finally(() => (reading = null))),
    deploy: (report) => settled(options.settle, async () => (await deploy(config, tee(report))).outcome?.ok === true),
    rollback: (to, report) =>
      settled(options.settle, async () => {
        await rollback(config, { ...tee(report), ...(to === undefined ? {} : { to }) })
        return true
      }),
  }
}

async function settled<T>(settle: SettleRun | undefined, work: () => Promise<T>): Promise<T> {
  let error: unknown = null
  try {
    return await work()
  } catch (caught) {
    error = caught
    throw caught
  } finally {
    await settle?.(error === null ? null : { message: error instanceof Error ? error.message : String(error) })
  }
}

async function readFleet(config: ResolvedConfig, options: RunOptions): Promise<Record<string, unknown>> {
  // Reads report nothing: their events would only interleave with a run's on the terminal.
  const quiet: RunOptions = { ...options, reporter: () => {} }
  const [overview, history] = await Promise.all([getOverview(config, quiet), getHistory(config, quiet)])
  const hosts = overview.hosts.map((entry) => {
    const host = { name: entry.host.name, roles: entry.host.roles, primary: entry.host.primary }
    return entry.ok ? { ...host, ok: true, ...entry.value } : { ...host, ok: false, error: serializeError(entry.error) }
  })
  return {
    app: config.app,
    environment: config.environment,
    // What "Deploy" deploys: the configured branch (HEAD when none is set).
    ref: config.ref,
    hosts,
    disagree: overview.disagree,
    history: history.entries,
    historyUnreadable: history.unreadable.map((entry) => entry.host.name),
  }
}
