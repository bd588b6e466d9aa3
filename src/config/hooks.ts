/**
 * Hook entries of one environment: string shorthands expanded, durations in ms,
 * `${VAR}` applied to `env` values (never to `run`, which is shell), and every hook
 * name present so the pipeline never checks for a missing list.
 */
import { parseDuration } from './duration.js'
import { formatPath, type KeyPath, type RawIssue } from './issue.js'
import type { HookLists } from './overlay.js'
import { normalizeRelative } from './resolve-paths.js'
import type { RawHookEntry } from './schema.js'
import { HOOK_NAMES, type HookEntry, type HookName } from './types.js'

/** How long an `http` check polls when the entry gives no `timeout`. */
const HTTP_TIMEOUT_MS = 30_000

/** Interpolates one config string; records problems against `path` itself. */
export type Interpolator = (template: string, path: KeyPath) => string

export function resolveHooks(
  lists: HookLists,
  interpolateAt: Interpolator,
): { hooks: Record<HookName, HookEntry[]>; errors: RawIssue[] } {
  const errors: RawIssue[] = []
  const hooks = {} as Record<HookName, HookEntry[]>
  for (const name of HOOK_NAMES) {
    const { value, path } = lists[name]
    hooks[name] = value.map((entry, index) => toHookEntry(entry, [...path, index], interpolateAt, errors))
  }
  return { hooks, errors }
}

function toHookEntry(raw: RawHookEntry, path: KeyPath, interpolateAt: Interpolator, errors: RawIssue[]): HookEntry {
  const source = formatPath(path)
  if (typeof raw === 'string') return { run: raw, local: false, once: false, env: {}, source }
  if ((raw.run === undefined) === (raw.http === undefined)) {
    errors.push({ path, message: 'needs exactly one of "run" (a shell command) or "http" (a URL to check)' })
  }
  const entry: HookEntry = { local: raw.local, once: raw.once, env: {}, source }
  for (const [name, value] of Object.entries(raw.env ?? {})) {
    entry.env[name] = interpolateAt(String(value), [...path, 'env', name])
  }
  if (raw.run !== undefined) entry.run = raw.run
  if (raw.http !== undefined) entry.http = raw.http
  if (raw.roles !== undefined) entry.roles = [...raw.roles]
  if (raw.hosts !== undefined) entry.hosts = [...raw.hosts]
  if (raw.cwd !== undefined) entry.cwd = raw.cwd
  if (raw.prefix !== undefined) entry.prefix = raw.prefix
  if (raw.become !== undefined) entry.become = raw.become
  if (raw.installs !== undefined) entry.installs = raw.installs.map(normalizeRelative)
  if (raw.become !== undefined && raw.local) errors.push({ path, message: '"become" is for hooks on hosts, not "local" ones' })
  const timeoutMs = raw.timeout === undefined ? undefined : parseDuration(raw.timeout)
  if (timeoutMs !== undefined) entry.timeoutMs = timeoutMs
  else if (raw.http !== undefined) entry.timeoutMs = HTTP_TIMEOUT_MS
  return entry
}
