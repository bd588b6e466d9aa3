/**
 * `lock` and `unlock`: hold the deploy lock by hand (e.g. during an incident) and free it.
 * A manual lock never goes stale. `unlock` frees manual locks; a lock held by a deploy
 * is freed only with `--force`, which first stops the hooks its run left running on the
 * host and is recorded in each host's history.
 */
import type { ResolvedConfig } from '../config/types.js'
import { LockHeldError } from '../errors.js'
import { historyActor, unlockForcedEntry, type UnlockForcedEntry } from '../history/entry.js'
import { parseHostState } from '../release/host-state.js'
import { appendHistory } from '../remote/history.js'
import { inspectHost } from '../remote/inspect.js'
import { breakLock } from '../remote/lock.js'
import { stopLockHooks } from '../remote/lock-hooks.js'
import { script } from '../remote/script.js'
import { execOn, type HostRun, type RunContext, type RunOptions } from './context.js'
import { withFleet } from './fleet-run.js'
import { acquireLocks, isOwnLock, isRunningHere } from './lock.js'
import { runPhase } from './phase.js'

export async function lockEnvironment(config: ResolvedConfig, options: RunOptions & { reason?: string } = {}): Promise<string[]> {
  return withFleet(config, options, async (fleet) => {
    await fleet.connectAll()
    await acquireLocks(fleet.ctx, fleet.runs, { command: 'lock', manual: true, ...(options.reason ? { reason: options.reason } : {}) })
    return fleet.hosts.map((h) => h.name)
  })
}

/** Returns the hosts whose lock was freed. */
export async function unlockEnvironment(config: ResolvedConfig, options: RunOptions & { force?: boolean } = {}): Promise<string[]> {
  return withFleet(config, options, async (fleet) => {
    const { ctx } = fleet
    const freed: string[] = []
    await fleet.connectAll()
    await runPhase(ctx, 'unlock', fleet.runs, async (run) => {
      const state = parseHostState((await execOn(ctx, run, inspectHost(ctx.layout), { step: 'unlock' })).stdout)
      const holder = state.lock?.holder ?? null
      if (state.lock === null) return
      // Without --force only a manual lock of one's own is freed: a deploy's lock, or someone
      // else's hold (an incident, a freeze), is not this user's to lift quietly.
      if (!options.force && !(holder?.manual && isOwnLock(holder, ctx.identity))) {
        const hint = holder?.manual ? `it was taken with \`berth lock\` by someone else: ask them, or free it with \`berth unlock ${config.environment} --force\` (recorded in the history)` : undefined
        throw new LockHeldError({ host: run.host.name, holder, stale: false, environment: config.environment, ...(hint === undefined ? {} : { hint }) })
      }
      // Hooks the holder's run left running are stopped before their lock goes (else the next
      // deploy would run its own beside them); those of a deploy still running on this machine
      // are its own to end, and are only named.
      const hooks = options.force ? state.lock.hooks : []
      const holderRunsHere = holder !== null && isRunningHere(holder, ctx.identity)
      if (holderRunsHere) for (const h of hooks) ctx.report({ kind: 'log', level: 'warn', host: run.host.name, message: `hook ${h.hook} (pid ${h.pid}) is left running: its deploy (pid ${holder.pid}) still runs on this machine` })
      const stoppedHooks = hooks.length > 0 && !holderRunsHere ? await stopLeftoverHooks(ctx, run) : []
      const lines = [breakLock(ctx.layout, options.force ? undefined : holder?.token)]
      if (options.force) {
        const entry = unlockForcedEntry({
          id: ctx.token,
          at: ctx.now().toISOString(),
          ...historyActor(ctx.identity),
          holder,
          ...(stoppedHooks.length > 0 ? { stoppedHooks } : {}),
          result: 'success',
        })
        lines.push(appendHistory(ctx.layout, entry))
      }
      await execOn(ctx, run, script(...lines), { step: 'unlock' })
      freed.push(run.host.name)
    })
    return freed
  })
}

/** How long a leftover hook gets to end after SIGTERM before it is killed. */
const HOOK_STOP_GRACE_SECONDS = 10

type StoppedHook = NonNullable<UnlockForcedEntry['stoppedHooks']>[number]

/** TERM, then KILL after the grace period, to each leftover hook's process group; each one said. */
async function stopLeftoverHooks(ctx: RunContext, run: HostRun): Promise<StoppedHook[]> {
  const out = await execOn(ctx, run, stopLockHooks(ctx.layout, HOOK_STOP_GRACE_SECONDS), { step: 'unlock' })
  const stopped = out.stdout.split('\n').flatMap((line): StoppedHook[] => {
    const [, pid, signal, hook] = /^@stopped (\d+) (TERM|KILL|-) (.*)$/.exec(line) ?? []
    return pid === undefined ? [] : [{ hook: hook!, pid: Number(pid), signal: signal === '-' ? null : (signal as 'TERM' | 'KILL') }]
  })
  for (const { hook, pid, signal } of stopped) {
    const what = `hook ${hook} (pid ${pid}) that the lock's holder left running`
    const message = signal === null ? `could not stop ${what} (not permitted): stop it by hand` : `stopped ${what} (SIG${signal})`
    ctx.report({ kind: 'log', level: 'warn', host: run.host.name, message })
  }
  return stopped
}
