/**
 * Text for the read-only commands (`releases`, `status`, `history`, `check`, `run`):
 * per-host tables, with the hosts that disagree or could not be read called out.
 */
import type { ResolvedConfig } from '../config/types.js'
import type { AdhocResult } from '../pipeline/adhoc.js'
import type { HostCheck } from '../pipeline/check.js'
import type { PerHost } from '../pipeline/fleet-read.js'
import type { HistoryEntry, HostStatus, ReleasesReport } from '../pipeline/queries.js'
import { formatDuration } from './duration.js'
import { formatTable } from './tables.js'

function unreadable<T>(hosts: PerHost<T>[]): string[] {
  return hosts.flatMap((h) => (h.ok ? [] : [`${h.host.name}: could not be read: ${h.error.message}${h.error.hint ? ` (hint: ${h.error.hint})` : ''}`]))
}

export function formatReleases(report: ReleasesReport): string {
  const rows: string[][] = []
  for (const entry of report.hosts) {
    if (!entry.ok) continue
    if (entry.value.releases.length === 0) rows.push([entry.host.name, '(no releases)', '', ''])
    for (const release of entry.value.releases) {
      const mark = release.id === entry.value.current ? '→' : ' '
      const state = release.madeBy === 'berth' ? release.state : release.state === 'unknown' ? 'capistrano' : `${release.state} (capistrano)`
      rows.push([entry.host.name, `${mark} ${release.id}`, state, release.revision.slice(0, 12)])
    }
  }
  const lines = [formatTable(rows, { header: ['host', '  release', 'state', 'revision'] }), ...unreadable(report.hosts)]
  if (report.disagree) lines.push('', 'hosts disagree: not every host has the same current release')
  return `${lines.join('\n')}\n`
}

export function formatStatus(report: { hosts: PerHost<HostStatus>[]; disagree: boolean }): string {
  const rows = report.hosts.flatMap((entry) => {
    if (!entry.ok) return []
    const s = entry.value
    const hooks = s.lock?.hooks.map((h) => `, hook ${h.hook} running (pid ${h.pid})`).join('') ?? ''
    const lock = s.lock ? `locked by ${s.lock.holder}${s.lock.reason ? ` "${s.lock.reason}"` : ''}${s.lock.stale ? ' (stale)' : ''}${hooks}` : 'free'
    const last = s.lastDeploy ? `${String(s.lastDeploy.kind)} ${String(s.lastDeploy.result ?? '')} ${String(s.lastDeploy.at ?? '')}` : '-'
    const revision = s.recordUnreadable ? '(record unreadable)' : (s.revision?.slice(0, 12) ?? '-')
    return [[entry.host.name, describeCurrent(s), revision, lock, last]]
  })
  const lines = [formatTable(rows, { header: ['host', 'current', 'revision', 'lock', 'last'] }), ...unreadable(report.hosts)]
  if (report.disagree) lines.push('', 'hosts disagree: not every host has the same current release')
  return `${lines.join('\n')}\n`
}

/** What `current` is, in the status table: never "(none)" for something that is there, never a release for a link to nothing. */
function describeCurrent(s: HostStatus): string {
  const named = s.current ?? s.currentLink ?? ''
  switch (s.currentKind) {
    case 'live':
      return s.currentMadeBy === 'capistrano' ? `${named} (made by Capistrano)` : named
    case 'broken':
      return `${named} (BROKEN: its directory is gone)`
    case 'directory':
      return '(a real directory, not a symlink)'
    case 'foreign':
      return `${named} (not a berth release)`
    case 'none':
      return '(none)'
  }
}

export function formatHistory(entries: HistoryEntry[], unreadableHosts: PerHost<never>[] = []): string {
  const notRead = unreadable(unreadableHosts)
  if (entries.length === 0) return `${['no history yet', ...notRead].join('\n')}\n`
  // The tag column only when some run was tagged: most projects never tag.
  const hasTags = entries.some((e) => typeof e.tag === 'string')
  const rows = entries.map((e) => [
    e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.kind === 'deploy' && typeof e.promotedFrom === 'string' ? `promote from ${e.promotedFrom}` : e.resumeOf === undefined ? e.kind : `${e.kind} (resume)`,
    String(e.user ?? ''),
    String(e.ref ?? ''),
    String(e.sha ?? '').slice(0, 7),
    String(e.release ?? ''),
    ...(hasTags ? [typeof e.tag === 'string' ? e.tag : ''] : []),
    e.durationMs === undefined ? '' : formatDuration(Number(e.durationMs)),
    String(e.result ?? ''),
    Object.keys(e.hosts).join(','),
  ])
  return `${[formatTable(rows, { header: ['when', 'what', 'who', 'ref', 'sha', 'release', ...(hasTags ? ['tag'] : []), 'took', 'result', 'hosts'] }), ...notRead].join('\n')}\n`
}

export function formatCheck(config: ResolvedConfig, hosts: PerHost<HostCheck>[]): string {
  const lines = [`config ok: ${config.configFile} (environment ${config.environment})`]
  for (const entry of hosts) {
    if (!entry.ok) {
      lines.push(`✗ ${entry.host.name}: ${entry.error.message}${entry.error.hint ? `\n    hint: ${entry.error.hint}` : ''}`)
      continue
    }
    const c = entry.value
    const free = c.freeKiB === null ? '?' : `${Math.round(c.freeKiB / 1024)} MiB free`
    const tools = Object.entries(c.tools).map(([tool, ok]) => `${tool}${ok ? '' : ' MISSING'}`).join(' ')
    // ssh refuses an unknown or changed host key and a rejected login: connected means both were fine.
    const reached = entry.host.transport === 'local' ? 'on this machine' : 'connected (host key known, login accepted)'
    const relayed = c.reachedFrom === undefined ? '' : `; reachable from relay ${c.reachedFrom}`
    lines.push(`${c.problems.length === 0 ? '✓' : '✗'} ${entry.host.name}: ${reached}; ${tools}; ${c.writable.path} ${c.writable.ok ? 'writable' : 'NOT writable'}; ${free}${relayed}`)
    for (const problem of c.problems) lines.push(`    problem: ${problem}`)
  }
  return `${lines.join('\n')}\n`
}

/** After a `run`: output was streamed live unless quiet/verbose; always the exit codes. */
export function formatAdhoc(results: PerHost<AdhocResult>[], printOutput: boolean): string {
  const lines: string[] = []
  for (const r of results) {
    if (!r.ok) {
      lines.push(`✗ ${r.host.name}: ${r.error.message}`)
      continue
    }
    if (printOutput && r.value.stdout !== '') lines.push(`── ${r.host.name}`, r.value.stdout.trimEnd())
    lines.push(`${r.value.exitCode === 0 ? '✓' : '✗'} ${r.host.name}: exit ${r.value.exitCode}`)
  }
  return `${lines.join('\n')}\n`
}
