/**
 * Which events of a run a webhook hears about, and what it is told: a deploy's
 * `run:start` is `start`, its `run:summary` `success` or `failure`; a rollback's summary is
 * `rollback`; a lock broken on the way is `lock-broken`. A deploy or rollback that stopped
 * before its summary (the lock was held, a host unreachable) still owes its ending.
 */
import { RemoteCommandError } from '../errors.js'
import type { BerthEvent, HostOutcome } from '../events.js'
import { formatDuration } from '../ui/duration.js'
import type { NotificationBody, NotifiedHost } from './body.js'

/** A body without what every body of the run shares (version, run, app, environment, by, at). */
export type Moment = Omit<NotificationBody, 'version' | 'run' | 'at' | 'app' | 'environment' | 'by'>

/** The commands webhooks hear of: a promote is a deploy of another environment's build. */
const NOTIFIED: ReadonlySet<string> = new Set(['deploy', 'promote', 'rollback'])

/** What is known of the deploy or rollback under way, for the moments that follow its start. */
export interface OpenRun {
  command: string
  hosts: string[]
  release?: string
  revision?: string
  ref?: string
}

export function openRun(event: Extract<BerthEvent, { kind: 'run:start' }>): OpenRun | null {
  if (!NOTIFIED.has(event.command)) return null
  const open: OpenRun = { command: event.command, hosts: event.hosts }
  if (event.release !== undefined) open.release = event.release
  if (event.revision !== undefined) open.revision = event.revision
  if (event.ref !== undefined) open.ref = event.ref
  return open
}

export function startMoment(open: OpenRun, name: string): Moment | null {
  if (open.command === 'rollback') return null
  const what = `${open.ref ?? 'HEAD'} (${short(open.revision)})`
  return { event: 'start', command: open.command, ...released(open), hosts: open.hosts, text: `${name}: ${open.command === 'promote' ? 'promoting' : 'deploying'} ${what} to ${hostCount(open.hosts)} as ${open.release ?? 'a new release'}` }
}

export function summaryMoment(open: OpenRun | null, event: Extract<BerthEvent, { kind: 'run:summary' }>, name: string): Moment | null {
  if (!NOTIFIED.has(event.command)) return null
  const hosts = event.outcomes.map((outcome) => outcome.host)
  const base = {
    command: event.command,
    ...(open === null ? {} : released(open)),
    ...(event.release === undefined ? {} : { release: event.release }),
    hosts,
    ok: event.ok,
    durationMs: Math.round(event.durationMs),
    outcomes: event.outcomes.map(notifiedHost),
    ...(event.attention === undefined ? {} : { attention: { ...event.attention, summary: event.destructive } }),
  }
  const took = formatDuration(event.durationMs)
  if (event.command === 'rollback') {
    const text = event.ok ? `${name}: rolled back to ${event.release ?? 'the previous release'} on ${hostCount(hosts)} in ${took}` : `${name}: rollback failed: ${event.destructive}`
    return { event: 'rollback', ...base, text }
  }
  const text = event.ok
    ? `${name}: ${event.command === 'promote' ? 'promoted' : 'deployed'} ${event.release ?? ''} (${short(open?.revision)}) to ${hostCount(hosts)} in ${took}`
    : `${name}: ${event.command} of ${event.release ?? 'a new release'} failed: ${event.destructive}`
  return { event: event.ok ? 'success' : 'failure', ...base, text }
}

/** The ending a deploy or rollback owes when it stopped before its summary. */
export function stoppedMoment(open: OpenRun, error: string, name: string): Moment {
  const base = { command: open.command, ...released(open), hosts: open.hosts, ok: false, error }
  if (open.command === 'rollback') return { event: 'rollback', ...base, text: `${name}: rollback failed: ${error}` }
  return { event: 'failure', ...base, text: `${name}: ${open.command} of ${open.release ?? 'a new release'} failed: ${error}` }
}

export function lockBrokenMoment(open: OpenRun | null, event: Extract<BerthEvent, { kind: 'lock:broken' }>, name: string): Moment {
  return {
    event: 'lock-broken',
    command: open?.command ?? 'lock',
    hosts: [event.host],
    lock: { host: event.host, holder: event.holder, why: event.why },
    text: `${name}: broke the lock on ${event.host} held by ${event.holder}: ${event.why}`,
  }
}

function released(open: OpenRun): Pick<Moment, 'release' | 'revision' | 'ref'> {
  return {
    ...(open.release === undefined ? {} : { release: open.release }),
    ...(open.revision === undefined ? {} : { revision: open.revision }),
    ...(open.ref === undefined ? {} : { ref: open.ref }),
  }
}

function notifiedHost(outcome: HostOutcome): NotifiedHost {
  const host: NotifiedHost = { host: outcome.host, live: outcome.live, switched: outcome.switched }
  if (outcome.failedStep !== undefined) host.failedStep = outcome.failedStep
  if (outcome.error !== undefined) host.error = outcome.error.message
  const tail = outcome.error === undefined ? [] : outputTail(outcome.error)
  if (tail.length > 0) host.output = tail.slice(-OUTPUT_LINES)
  return host
}

/** Enough of the failed command's output to say why, short enough for a chat message. */
const OUTPUT_LINES = 5

/** The output a failed command left, wherever in the cause chain it is (a hook wraps its command's error). */
function outputTail(error: unknown): string[] {
  for (let at = error; at instanceof Error; at = at.cause) if (at instanceof RemoteCommandError) return at.outputTail
  return []
}

const short = (sha: string | undefined): string => (sha ?? '').slice(0, 7)
const hostCount = (hosts: readonly string[]): string => (hosts.length === 1 ? '1 host' : `${hosts.length} hosts`)
