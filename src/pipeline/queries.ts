/**
 * `releases`, `status` and `history`: what runs where, read from every host in one round
 * trip each. Results are data; the CLI renders them.
 */
import type { ResolvedConfig } from '../config/types.js'
import type { LockHookProcess } from '../errors.js'
import { parseHistoryLine, type ReadHistoryEntry } from '../history/entry.js'
import { isCapistranoId, sortNewestFirst } from '../release/id.js'
import { parseHostState, recordOn, type HostState } from '../release/host-state.js'
import type { ReleaseState } from '../release/record.js'
import { readHistory } from '../remote/history.js'
import { inspectHost } from '../remote/inspect.js'
import type { RunOptions } from './context.js'
import { onEachHost, type PerHost } from './fleet-read.js'
import { isStale } from './lock.js'

/** Who made a release: berth, or a Capistrano deploy before berth took over the host (README, "Moving from Capistrano"). */
type ReleaseMaker = 'berth' | 'capistrano'

const madeBy = (id: string): ReleaseMaker => (isCapistranoId(id) ? 'capistrano' : 'berth')

interface HostReleases {
  current: string | null
  /**
   * `unknown`: no record (made before berth kept them, or not by berth); `unreadable`: a
   * record file that is damaged, never taken for a good release.
   */
  releases: { id: string; state: ReleaseState | 'unknown' | 'unreadable'; revision: string; madeBy: ReleaseMaker }[]
}

export interface ReleasesReport {
  hosts: PerHost<HostReleases>[]
  /** True when the `current` of the hosts that could be read differ (unreadable hosts are reported as such). */
  disagree: boolean
}

function readStates(config: ResolvedConfig, options: RunOptions): Promise<PerHost<HostState>[]> {
  return onEachHost(config, options, (ctx) => inspectHost(ctx.layout, { withHistory: true }), (result) => parseHostState(result.stdout), { step: 'inspect' })
}

export async function listReleases(config: ResolvedConfig, options: RunOptions = {}): Promise<ReleasesReport> {
  const hosts = (await readStates(config, options)).map((entry) => mapOk(entry, releasesOf))
  return { hosts, disagree: currentsDiffer(hosts) }
}

function releasesOf(state: HostState): HostReleases {
  const releases = sortNewestFirst(state.releases).map((id) => {
    const record = state.records.get(id)
    const recorded = record?.state ?? (state.unreadableRecords.has(id) ? ('unreadable' as const) : ('unknown' as const))
    return { id, state: recorded, revision: recordOn(state, id).revision, madeBy: madeBy(id) }
  })
  return { current: state.current, releases }
}

export interface HostStatus {
  current: string | null
  /**
   * What `current` is: `live` (a release berth can name, whose directory is there),
   * `broken` (a link to a directory that is gone: nothing can start), `directory` (a real
   * directory, which no switch replaces), `foreign` (a link berth did not make, such as a
   * Capistrano `releases/20231201120000`), or `none`.
   */
  currentKind: 'live' | 'broken' | 'directory' | 'foreign' | 'none'
  /** The `current` symlink's text as it is on the host, or null when there is none. */
  currentLink: string | null
  /** Who made the live release. */
  currentMadeBy: ReleaseMaker | null
  /** The live release's revision; null when unknown (see `recordUnreadable`). */
  revision: string | null
  /** The live release's record exists but cannot be read. */
  recordUnreadable: boolean
  /** `hooks`: hooks the lock's run started that still run on the host (its holder may be gone). */
  lock: { holder: string; since: string; reason?: string; stale: boolean; hooks: LockHookProcess[] } | null
  lastDeploy: Record<string, unknown> | null
}

export async function getStatus(config: ResolvedConfig, options: RunOptions = {}): Promise<{ hosts: PerHost<HostStatus>[]; disagree: boolean }> {
  const hosts = (await readStates(config, options)).map((entry) => mapOk(entry, statusOf))
  return { hosts, disagree: currentsDiffer(hosts) }
}

/** `status` and `releases` together, from one read of each host (the web page shows both). */
export async function getOverview(config: ResolvedConfig, options: RunOptions = {}): Promise<{ hosts: PerHost<HostStatus & HostReleases>[]; disagree: boolean }> {
  const hosts = (await readStates(config, options)).map((entry) => mapOk(entry, (state) => ({ ...statusOf(state), ...releasesOf(state) })))
  return { hosts, disagree: currentsDiffer(hosts) }
}

function statusOf(state: HostState): HostStatus {
  const holder = state.lock?.holder
  const lock = state.lock
    ? {
        holder: holder ? `${holder.user}@${holder.machine} (pid ${holder.pid})` : 'unknown',
        since: holder?.since ?? '',
        ...(holder?.reason ? { reason: holder.reason } : {}),
        stale: isStale(state),
        hooks: state.lock.hooks,
      }
    : null
  const revision = state.current === null ? null : (recordOn(state, state.current).revision || null)
  const recordUnreadable = state.current !== null && state.unreadableRecords.has(state.current)
  const currentMadeBy = state.current === null ? null : madeBy(state.current)
  return { current: state.current, currentKind: currentKind(state), currentLink: state.currentLink, currentMadeBy, revision, recordUnreadable, lock, lastDeploy: state.lastHistory }
}

function mapOk<T>(entry: PerHost<HostState>, map: (state: HostState) => T): PerHost<T> {
  return entry.ok ? { host: entry.host, ok: true, value: map(entry.value) } : entry
}

export interface HistoryEntry {
  kind: string
  at: string
  user?: string
  ref?: string
  sha?: string
  release?: string
  result?: string
  durationMs?: number
  /** Hosts whose history has this entry, with each host's result. */
  hosts: Record<string, string>
  [key: string]: unknown
}

/** Past deploys and rollbacks, newest first, one entry per run across hosts. */
export async function getHistory(config: ResolvedConfig, options: RunOptions & { limit?: number } = {}): Promise<{ entries: HistoryEntry[]; unreadable: PerHost<never>[] }> {
  const limit = options.limit ?? 20
  const perHost = await onEachHost(
    config,
    options,
    (ctx) => readHistory(ctx.layout, limit * 5),
    (result) => result.stdout.split('\n').flatMap((line) => historyFields(parseHistoryLine(line))),
    { step: 'history' },
  )
  const runs = new Map<string, HistoryEntry>()
  for (const entry of perHost) {
    if (!entry.ok) continue
    for (const line of entry.value) {
      const key = String(line.id ?? `${line.kind}:${line.at}`)
      const merged = runs.get(key) ?? { ...line, hosts: {} }
      merged.hosts[entry.host.name] = String(line.result ?? '')
      // A lock-broken line has no result: it must not show as "undefined".
      if (typeof line.result === 'string' && line.result !== 'success') merged.result = line.result
      runs.set(key, merged)
    }
  }
  const entries = [...runs.values()].sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, limit)
  return { entries, unreadable: perHost.filter((e): e is PerHost<never> & { ok: false } => !e.ok) }
}

function currentKind(state: HostState): HostStatus['currentKind'] {
  if (state.currentIsDirectory) return 'directory'
  if (state.currentLink === null) return 'none'
  if (state.currentDangling || (state.current !== null && !state.releases.includes(state.current))) return 'broken'
  return state.current === null ? 'foreign' : 'live'
}

/** A host that could not be read is not evidence of disagreement: it is listed as unreadable instead. */
function currentsDiffer(hosts: PerHost<{ current: string | null }>[]): boolean {
  return new Set(hosts.flatMap((h) => (h.ok ? [h.value.current] : []))).size > 1
}

/** A line as `history` lists it: kinds this version does not know are shown as written. */
function historyFields(entry: ReadHistoryEntry | null): (Record<string, unknown> & { kind: string; at: string })[] {
  if (entry === null) return []
  return [entry.kind === 'unknown' ? entry.fields : { ...entry }]
}
