/**
 * The maintenance page on the hosts (README, "Maintenance page"): `berth maintenance ENV
 * on|off` by hand, and `deploy --maintenance` around the migrations.
 *
 * By hand it takes no deploy lock: it is one atomic file in `shared/`, and the moment an
 * operator needs it (an incident, a lock held with `berth lock`, a deploy hanging in its
 * migrations) is often one where the lock is held. It cannot collide with a deploy's own
 * page either: the page records who put it up, and a deploy only takes down its own.
 */
import type { ResolvedConfig } from '../config/types.js'
import { git, localRepoFor, resolveRef } from '../delivery/local-git.js'
import { UsageError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import { DEFAULT_MAINTENANCE_MESSAGE, renderMaintenancePage } from '../release/maintenance-page.js'
import { DEFAULT_MAINTENANCE_PATH, KEPT_BY_HAND, maintenancePage, putUpMaintenance, takeDownMaintenance } from '../remote/maintenance.js'
import { execOn, warn, type HostRun, type RunContext, type RunOptions } from './context.js'
import { withFleet } from './fleet-run.js'
import { runPhase } from './phase.js'

/** The page's path under `shared/`, as configured. */
export const maintenancePath = (config: ResolvedConfig): string => config.maintenance?.path ?? DEFAULT_MAINTENANCE_PATH

/** The page's HTML: the repository's template at `sha` (when configured), filled in. */
export async function maintenanceHtml(config: ResolvedConfig, repoDir: string, sha: string, fill: { message?: string; since: Date }): Promise<string> {
  const template = config.maintenance?.template
  const text = template === undefined ? null : await git(['show', `${sha}:${template}`], repoDir, { step: 'maintenance' }).catch(() => {
    throw new UsageError(`maintenance.template ${template} is not a file in commit ${sha.slice(0, 12)}`, {
      step: 'maintenance',
      hint: 'commit the template (its path is relative to the repository root), or remove maintenance.template to use the built-in page',
    })
  })
  return renderMaintenancePage(text, { message: fill.message ?? DEFAULT_MAINTENANCE_MESSAGE, since: fill.since })
}

export interface MaintenanceOptions extends RunOptions {
  /** Shown on the page (`on` only). @default a short "back in a few minutes" */
  message?: string
}

/** `berth maintenance ENV on|off`; returns the hosts the page went up (or down) on. */
export async function setMaintenance(config: ResolvedConfig, isOn: boolean, options: MaintenanceOptions = {}): Promise<string[]> {
  return withFleet(config, options, async (fleet) => {
    const { ctx } = fleet
    let html = ''
    if (isOn) {
      // The template as committed on the configured branch: the page a deploy would put up.
      const repoDir = await localRepoFor(config.repo, ctx.cacheDir)
      html = await maintenanceHtml(config, repoDir, await resolveRef(repoDir, config.ref), { ...(options.message === undefined ? {} : { message: options.message }), since: ctx.now() })
    }
    await fleet.connectAll()
    const path = maintenancePath(config)
    const done: string[] = []
    await runPhase(ctx, 'maintenance', fleet.runs, async (run) => {
      if (isOn) await execOn(ctx, run, putUpMaintenance(ctx.layout, path, null), { step: 'maintenance', stdin: html })
      else await execOn(ctx, run, takeDownMaintenance(ctx.layout, path, null), { step: 'maintenance' })
      ctx.report({ kind: 'maintenance:page', host: run.host.name, page: isOn ? 'up' : 'down', path: maintenancePage(ctx.layout, path) })
      done.push(run.host.name)
    })
    return done
  })
}

/** A deploy's own page (`deploy --maintenance`): which hosts it is up on, so that exactly those get it taken down. */
export interface DeployMaintenance {
  html: string
  up: Set<HostRun>
}

/** Before the migrations: the page goes up on every host still in the deploy; a host where it cannot is a failed host. */
export async function putUpForDeploy<R extends HostRun>(ctx: RunContext, runs: R[], page: DeployMaintenance): Promise<void> {
  const path = maintenancePath(ctx.config)
  await runPhase(ctx, 'maintenance', runs, async (run) => {
    const { stderr } = await execOn(ctx, run, putUpMaintenance(ctx.layout, path, ctx.token), { step: 'maintenance', stdin: page.html })
    const kept = stderr.split('\n').find((line) => line.startsWith(KEPT_BY_HAND))
    if (kept !== undefined) warn(ctx, run, kept.slice('berth: '.length))
    else page.up.add(run)
    ctx.report({ kind: 'maintenance:page', host: run.host.name, page: kept === undefined ? 'up' : 'kept', path: maintenancePage(ctx.layout, path) })
  })
}

/**
 * After verify succeeded, or after a failure or an interruption once the hosts are back
 * on their old release: the deploy's own page comes down. It runs even after Ctrl-C, and
 * a host where it cannot is a warning (the page stays up: say so, with the command that
 * takes it down).
 */
export async function takeDownForDeploy(ctx: RunContext, page: DeployMaintenance): Promise<void> {
  const path = maintenancePath(ctx.config)
  await settleAll([...page.up], ctx.concurrency, async (run) => {
    try {
      await execOn(ctx, run, takeDownMaintenance(ctx.layout, path, ctx.token), { step: 'maintenance', cleanup: true })
      page.up.delete(run)
      ctx.report({ kind: 'maintenance:page', host: run.host.name, page: 'down', path: maintenancePage(ctx.layout, path) })
    } catch (error) {
      warn(ctx, run, `the maintenance page is still up: ${(error as Error).message} (take it down with: berth maintenance ${ctx.config.environment} off)`)
    }
  })
}
