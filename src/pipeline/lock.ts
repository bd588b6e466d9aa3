/**
 * The deploy lock on each host (README, "What a deploy does": lock). Taken with `mkdir` on
 * every host of the run at once, in one round trip. Two runs over the same hosts cannot
 * both get part of the set and wait for each other: the first host in name order is the
 * gate. A run that did not get the gate frees what it took and queues behind it (the gate
 * alone, then the rest), failing there if nobody waits; a run that got it waits a moment
 * for a lock taken by a run that lost the gate (its holder names the same gate), which is
 * being freed. Anything else held by someone else makes the run free what it took and stop
 * with exit 3. A holder proven dead (same machine id, pid gone) is broken with a warning,
 * unless a hook it started still runs on the host; one from another machine only goes stale.
 */
import { LockHeldError, RemoteCommandError, toBerthError, type BerthError, type LockHolder } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import { historyActor, lockBrokenEntry } from '../history/entry.js'
import { parseHostState, type HostState } from '../release/host-state.js'
import { appendHistory } from '../remote/history.js'
import { inspectHost, type InspectOptions } from '../remote/inspect.js'
import { breakLock, releaseLock, takeLock, touchHeartbeat } from '../remote/lock.js'
import { script } from '../remote/script.js'
import { execOn, type HostRun, type Identity, type RunContext } from './context.js'
import { isProcessAlive } from '../process-alive.js'

/** A lock whose heartbeat is older than this is reported as stale. */
const LOCK_LEASE_SECONDS = 120
/** How often a deploy's heartbeat is refreshed: well inside the lease. */
const HEARTBEAT_EVERY_MS = 30_000
const WAIT_POLL_MS = 1_000
/**
 * How long the gate's holder waits for a lock taken by a run that lost the gate: that run
 * frees it as soon as its own round trip is back, well within this on a loaded fleet.
 */
const GATE_LOSER_WAIT_MS = 15_000
const GATE_LOSER_POLL_MS = 200

export interface LockOptions {
  reason?: string
  /** Keep retrying a held lock this long instead of failing at once. */
  waitMs?: number
  manual?: boolean
  command: string
  /** What else to read from each host in the same round trip. */
  inspect?: InspectOptions
  /** The holder to write (a deploy builds it once, for its plan too). @default from the run */
  holder?: LockHolder & { token: string }
}

export function lockHolder(ctx: RunContext, options: LockOptions): LockHolder & { token: string } {
  const holder: LockHolder & { token: string } = {
    user: ctx.identity.user,
    machine: ctx.identity.machine,
    ...(ctx.identity.machineId === undefined ? {} : { machineId: ctx.identity.machineId }),
    pid: ctx.identity.pid,
    since: ctx.now().toISOString(),
    command: options.command,
    token: ctx.token,
  }
  if (options.reason !== undefined) holder.reason = options.reason
  if (options.manual) holder.manual = true
  return holder
}

/** Takes the lock on every host and records each host's state; throws (having freed all) if any is held. */
export async function acquireLocks(ctx: RunContext, runs: HostRun[], options: LockOptions): Promise<void> {
  const ordered = [...runs].sort((a, b) => a.host.name.localeCompare(b.host.name))
  const [first, ...rest] = ordered
  if (!first) return
  const holder = { ...(options.holder ?? lockHolder(ctx, options)), gate: first.host.name }
  const taken: HostRun[] = []
  const lockAll = async (some: HostRun[], lock: (run: HostRun) => Promise<void>): Promise<void> => {
    const results = await settleAll(some, ctx.concurrency, lock)
    const failure = results.find((r) => !r.ok)
    if (failure && !failure.ok) throw failure.error
  }
  try {
    // Every host at once: one round trip when nobody else holds any (the usual case).
    await lockAll(ordered, async (run) => {
      if (await tryLock(ctx, run, holder, options)) taken.push(run)
    })
    if (taken.length === ordered.length) return
    // What each host said in that round trip stands for the first attempt below, except on
    // the hosts given back: those are tried again.
    let fresh = false
    if (!taken.includes(first)) {
      // Another run has the gate: give back what was taken and queue behind it. A host that
      // could not be given back is still this run's: kept, and freed with the rest on failure.
      const given = taken.splice(0)
      const stuck = new Set((await releaseLocks(ctx, given)).map((error) => error.host))
      taken.push(...given.filter((run) => stuck.has(run.host.name)))
      await lockOne(ctx, first, holder, options, { gateHeld: false, tried: true })
      taken.push(first)
      fresh = true
    }
    await lockAll(rest.filter((run) => !taken.includes(run)), async (run) => {
      await lockOne(ctx, run, holder, options, { gateHeld: true, tried: !fresh })
      taken.push(run)
    })
  } catch (error) {
    await releaseLocks(ctx, taken)
    throw error
  }
}

/** The holder a run writes, its gate (see `acquireLocks`) always named. */
type Holder = LockHolder & { token: string; gate: string }

/** One attempt at the lock, reading the host's state with it; true when taken. */
async function tryLock(ctx: RunContext, run: HostRun, holder: Holder, options: LockOptions): Promise<boolean> {
  const out = await execOn(ctx, run, script(takeLock(ctx.layout, holder), inspectHost(ctx.layout, options.inspect)), {
    step: 'lock',
    // A failure (a full disk) names what was tried, not the whole script.
    display: `take the lock ${ctx.layout.lock} and read the host's releases`,
  })
  run.state = parseHostState(out.stdout)
  return out.stdout.includes('@lock acquired')
}

/**
 * Takes the lock on one host (`tried`: `tryLock` just found it held, and its state is the
 * one read then): breaks a dead holder's, waits as the options say (and, when this run
 * holds the gate, for a run that lost it to free its own), and throws if it stays held.
 */
async function lockOne(ctx: RunContext, run: HostRun, holder: Holder, options: LockOptions, at: { gateHeld: boolean; tried: boolean }): Promise<void> {
  const started = Date.now()
  for (let brokeDeadHolder = false, tried = at.tried; ; tried = false) {
    if (!tried && (await tryLock(ctx, run, holder, options))) return
    const held = run.state!.lock?.holder ?? null
    // A dead holder's hooks may outlive it (one that ignores SIGTERM, a host that never saw
    // the connection drop): its lock stays until they end, or `unlock --force` stops them.
    const hooks = run.state!.lock?.hooks ?? []
    if (!brokeDeadHolder && held && hooks.length === 0 && isProvablyDead(held, ctx.identity)) {
      await breakDeadLock(ctx, run, held)
      brokeDeadHolder = true
      continue
    }
    const loser = at.gateHeld && held !== null && held.token !== holder.token && held.gate === holder.gate
    const waitMs = Math.max(options.waitMs ?? 0, loser ? GATE_LOSER_WAIT_MS : 0)
    if (Date.now() - started < waitMs) {
      await new Promise((resolve) => setTimeout(resolve, loser ? GATE_LOSER_POLL_MS : WAIT_POLL_MS))
      continue
    }
    throw new LockHeldError({ host: run.host.name, holder: held, stale: isStale(run.state!), environment: ctx.config.environment, hooks })
  }
}

/** Taken from this same machine by a process that no longer exists. */
export function isProvablyDead(holder: LockHolder, identity: Identity, isRunning: (pid: number) => boolean = isProcessAlive): boolean {
  if (holder.manual || !Number.isInteger(holder.pid) || !isSameMachine(holder, identity)) return false
  return !isRunning(holder.pid)
}

/** Taken from this same machine by a process that is still running (a deploy in progress here). */
export function isRunningHere(holder: LockHolder, identity: Identity, isRunning: (pid: number) => boolean = isProcessAlive): boolean {
  return Number.isInteger(holder.pid) && isSameMachine(holder, identity) && isRunning(holder.pid)
}

/**
 * Host names are not unique (CI runners and containers share them), so machine ids decide
 * when both sides have one. A lock from a version that wrote no id can only be matched by
 * host name; one that has an id cannot be matched by a run that has none.
 */
/** The lock was taken by this user on this machine (a manual lock they may free without --force). */
export function isOwnLock(holder: LockHolder, identity: Identity): boolean {
  return isSameMachine(holder, identity) && holder.user === identity.user
}

function isSameMachine(holder: LockHolder, identity: Identity): boolean {
  if (holder.machineId !== undefined) return holder.machineId === identity.machineId
  return holder.machine === identity.machine
}

export function isStale(state: HostState): boolean {
  const lock = state.lock
  if (!lock || lock.holder?.manual) return false
  return lock.heartbeat === null || state.now - lock.heartbeat > LOCK_LEASE_SECONDS
}

async function breakDeadLock(ctx: RunContext, run: HostRun, holder: LockHolder): Promise<void> {
  const why = `its holder (pid ${holder.pid} on ${holder.machine}) is gone`
  ctx.report({ kind: 'lock:broken', host: run.host.name, holder: `${holder.user}@${holder.machine}`, why })
  const entry = lockBrokenEntry({ at: ctx.now().toISOString(), ...historyActor(ctx.identity), holder, why })
  const command = script(breakLock(ctx.layout, holder.token), appendHistory(ctx.layout, entry))
  await execOn(ctx, run, command, { step: 'lock' })
}

/** Frees the locks this run holds (and only those: the token is checked on the host). */
export async function releaseLocks<R extends HostRun>(ctx: RunContext, runs: R[], extra: (run: R) => string = () => ''): Promise<BerthError[]> {
  const results = await settleAll(runs, ctx.concurrency, (run) => {
    return execOn(ctx, run, script(extra(run), releaseLock(ctx.layout, ctx.token)), { step: 'unlock', cleanup: true })
  })
  return results.flatMap((r) => (r.ok ? [] : [r.error as BerthError]))
}

/**
 * Refreshes the heartbeat on every host still in the run until stopped, so other machines
 * see the run is alive. Bounded like every fleet phase, one round at a time. A host whose
 * heartbeat fails is said once: other machines will soon call its lock stale.
 */
export function startHeartbeat(ctx: RunContext, runs: HostRun[], everyMs: number = HEARTBEAT_EVERY_MS): () => void {
  const warned = new Set<string>()
  let beating = false
  const beat = (run: HostRun): Promise<unknown> =>
    execOn(ctx, run, touchHeartbeat(ctx.layout, ctx.token), { step: 'lock', cleanup: true }).catch((error: unknown) => {
      if (warned.has(run.host.name)) return
      warned.add(run.host.name)
      ctx.report({ kind: 'log', level: 'warn', host: run.host.name, message: `lock heartbeat failed (${whyFailed(error)}): other machines may see this lock as stale` })
    })
  const timer = setInterval(() => {
    if (beating) return
    beating = true
    void settleAll(runs.filter((run) => run.failed === null), ctx.concurrency, beat).finally(() => (beating = false))
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** The host's own words for a failure (the command is berth's internal script, not worth showing). */
function whyFailed(error: unknown): string {
  if (!(error instanceof RemoteCommandError)) return toBerthError(error).message
  return error.outputTail.at(-1) ?? (error.timedOut ? 'timed out' : `exit code ${error.commandExitCode ?? error.signal}`)
}
