/**
 * Every flag of every command, parsed once, before any command runs: a count is a whole
 * number ≥ 1, a duration is a duration, a ref or a message is the text exactly as typed.
 * A bad value is a usage error (exit 2) here, never a default quietly taken later (a
 * `--concurrency abc` that turned into "no hosts worked, success" is why).
 */
import { parseDuration } from '../config/duration.js'
import { UsageError } from '../errors.js'
import { isReleaseId } from '../release/id.js'

export interface Flags {
  /** `-c FILE`. */
  config?: string
  json?: boolean
  verbose?: boolean
  quiet?: boolean
  /** `false` with `--no-color`. */
  color?: boolean
  concurrency?: number
  roles?: string[]
  hosts?: string[]
  /** deploy: a branch, tag or sha, as typed. */
  ref?: string
  plan?: boolean
  /** deploy: continue the last failed deploy. */
  resume?: boolean
  lockWaitMs?: number
  /** rollback: the release to go to. */
  to?: string
  /** promote: the release to promote. */
  release?: string
  /** lock: why, shown to whoever is refused. */
  reason?: string
  /** deploy: the maintenance page around the migrations. */
  maintenance?: boolean
  /** maintenance on: what the page says, as typed. */
  message?: string
  /** history: how many entries. */
  limit?: number
  force?: boolean
  /** ui: the port on 127.0.0.1 (0: a free one). */
  port?: number
  /** run: the words after `--`. */
  '--'?: string[]
}

/** What cac parsed (booleans are right; values may be numbers) and the values as typed. */
export function parseFlags(parsed: Record<string, unknown>, typed: ReadonlyMap<string, readonly string[]>): Flags {
  const value = (name: string, flag: string): string | undefined => {
    const all = typed.get(name)
    if (all === undefined || all.length === 0) return undefined
    if (all.length > 1) throw new UsageError(`--${flag} is given ${all.length} times`, { hint: `give --${flag} once` })
    return all[0]
  }
  const flags: Flags = {}
  const set = <K extends keyof Flags>(key: K, v: Flags[K] | undefined): void => {
    if (v !== undefined) flags[key] = v
  }
  set('config', nonEmpty('config', value('config', 'config')))
  for (const key of ['json', 'verbose', 'quiet', 'plan', 'force', 'resume', 'maintenance'] as const) set(key, isOn(parsed[key]))
  // `--dry-run` is what other deploy tools call it; it plans, like --plan.
  if (isOn(parsed.dryRun) === true) flags.plan = true
  if (parsed.color === false) flags.color = false
  set('concurrency', parseCount('concurrency', value('concurrency', 'concurrency')))
  set('limit', parseCount('limit', value('limit', 'limit')))
  set('lockWaitMs', parseLockWait(value('lockWait', 'lock-wait')))
  set('roles', parseList('roles', value('roles', 'roles')))
  set('hosts', parseList('hosts', value('hosts', 'hosts')))
  set('ref', parseRef(value('ref', 'ref')))
  set('to', parseRelease('to', value('to', 'to')))
  set('release', parseRelease('release', value('release', 'release')))
  set('reason', value('reason', 'reason'))
  set('message', nonEmpty('message', value('message', 'message')))
  set('port', parsePort(value('port', 'port')))
  const rest = parsed['--']
  if (Array.isArray(rest)) flags['--'] = rest.map(String)
  return flags
}

function isOn(value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  // A boolean flag given twice comes as [true, true].
  return Array.isArray(value) ? value.at(-1) === true : value === true
}

/** `--concurrency`, `--limit`: a whole number ≥ 1. */
export function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} ${show(value)} is not a whole number ≥ 1`, { hint: `e.g. --${flag} 5` })
  return n
}

/** `--lock-wait`: a duration, in milliseconds. */
export function parseLockWait(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = parseDuration(value)
  if (ms === undefined) throw new UsageError(`--lock-wait ${show(value)} is not a duration`, { hint: 'e.g. --lock-wait 30s, 5m or 1h30m' })
  return ms
}

/** `--port`: a TCP port, 0 to 65535 (0: the system picks a free one). */
export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n > 65535) throw new UsageError(`--port ${show(value)} is not a port number (0 to 65535)`, { hint: 'e.g. --port 8080, or leave --port out for a free one' })
  return n
}

/**
 * `--ref`: git decides what names a commit, but a ref that is empty, starts with "-" or
 * holds spaces or control characters names none, and is refused before anything runs.
 */
export function parseRef(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (value === '') throw new UsageError('--ref is empty', { hint: 'pass a branch, tag or sha, or leave --ref out to deploy the configured branch' })
  if (value.startsWith('-') || /[\s\p{Cc}]/u.test(value)) {
    throw new UsageError(`--ref ${show(value)} is not a branch, tag or sha`, { hint: 'refs cannot start with "-" or hold spaces or control characters' })
  }
  return value
}

/**
 * `--to`, `--release`: a release name. Checked here, not first on the hosts: a name that cannot be a
 * release would otherwise take the lock and leave a failed rollback in every host's history.
 */
function parseRelease(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (!isReleaseId(value)) throw new UsageError(`--${flag} ${show(value)} is not a release name (like 20261123T171500-4634f44, or a Capistrano release's 20261120101500)`, { hint: 'see the names with `berth releases ENV`' })
  return value
}

/** `--hosts a,b`, `--roles web`: names, none empty. An empty list would select every host. */
export function parseList(flag: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  const parts = value.split(',').map((part) => part.trim())
  if (parts.every((part) => part === '')) throw new UsageError(`--${flag} is empty`, { hint: `name at least one, or leave --${flag} out to select every host` })
  return parts.filter((part) => part !== '')
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value === '') throw new UsageError(`--${flag} is empty`, { hint: `leave --${flag} out, or give it a value` })
  return value
}

/** The value as JSON: quotes make an empty or odd value visible, escapes make control characters so. */
function show(value: string): string {
  return JSON.stringify(value)
}
