/**
 * One line of `<deployTo>/.berth/history.jsonl` on a host (README, "Where things are on a
 * host"): what happened there, when, by whom, and how it ended. This is a contract beyond
 * this process: `berth history`, a web page and webhook notifications read these lines,
 * and hosts keep lines written by older and newer berth versions side by side. So:
 *
 * - every line berth writes comes from a builder here and carries `v: 1`;
 * - fields are only ever added within a version; renaming or retyping one means `v: 2`;
 * - the reader accepts lines from before `v` existed, and hands back kinds (or versions)
 *   it does not know as `unknown` with their fields intact, so `history` shows them
 *   instead of failing.
 */
import type { LockHolder } from '../errors.js'

export const HISTORY_VERSION = 1

/** Who did it: the account and machine berth ran as. */
export interface HistoryActor {
  user: string
  /** Host name of the machine berth ran on. */
  machine: string
  /** Stable id of that machine's berth configuration; absent in lines from older versions. */
  machineId?: string
}

interface Common extends HistoryActor {
  v: typeof HISTORY_VERSION
  /** ISO 8601 time the line was written. */
  at: string
}

/** A lock holder as history keeps it: without the token that proved ownership of the lock. */
export type HistoryLockHolder = Omit<LockHolder, 'token'>

export interface DeployEntry extends Common {
  kind: 'deploy'
  /** The run's id, the same on every host of the run. */
  id: string
  environment: string
  ref: string
  sha: string
  release: string
  /** Every host of the run, not only this one. */
  hosts: string[]
  /** How the run ended on this host. */
  result: 'success' | 'failed' | 'interrupted'
  /** Step the run failed at on this host, when it did not succeed. */
  failedStep?: string
  /** The run continued the failed deploy of this release (`deploy --resume`). */
  resumeOf?: string
  /** Time each step took on this host, in whole milliseconds. */
  steps: Record<string, number>
  durationMs: number
  /** The tag the deployed commit got in the deploying machine's repository (`tag:` in the config). */
  tag?: string
  /** The environment whose release this run promoted (`berth promote FROM TO`); absent for a deploy. */
  promotedFrom?: string
}

export interface RollbackEntry extends Common {
  kind: 'rollback'
  id: string
  environment: string
  /** Release this host was on before (null: none). */
  from: string | null
  /** Release rolled back to; absent when the run stopped before choosing one. */
  release?: string
  hosts: string[]
  result: 'success' | 'failed'
  durationMs: number
}

export interface SetupEntry extends Common {
  kind: 'setup'
  id: string
  result: 'success' | 'failed'
}

/** A run found a lock whose holder was provably gone and broke it. */
export interface LockBrokenEntry extends Common {
  kind: 'lock-broken'
  holder: HistoryLockHolder
  why: string
}

/** `berth unlock --force` freed a lock held by someone else. */
export interface UnlockForcedEntry extends Common {
  kind: 'unlock-forced'
  id: string
  /** Null when the lock's own description could not be read. */
  holder: HistoryLockHolder | null
  /**
   * Hooks of the holder's run that still ran on the host and were stopped first: by SIGTERM,
   * by SIGKILL after the grace period, or not at all (null: not permitted).
   */
  stoppedHooks?: { hook: string; pid: number; signal: 'TERM' | 'KILL' | null }[]
  result: 'success'
}

export type HistoryEntry = DeployEntry | RollbackEntry | SetupEntry | LockBrokenEntry | UnlockForcedEntry
type HistoryKind = HistoryEntry['kind']

/** A line this version cannot read as one of its kinds: a newer kind or version, or a damaged line. */
export interface UnknownHistoryEntry {
  kind: 'unknown'
  /** The line's own `kind`. */
  originalKind: string
  /** The line's `v`, when it had one. */
  v?: number
  at: string
  /** Every field of the line as written. */
  fields: Record<string, unknown> & { kind: string; at: string }
}

export type ReadHistoryEntry = HistoryEntry | UnknownHistoryEntry

type Fields<E extends HistoryEntry> = Omit<E, 'v' | 'kind'>

/** The actor fields of an entry, from whoever is running berth. */
export function historyActor(identity: { user: string; machine: string; machineId?: string }): HistoryActor {
  return withoutUndefined({ user: identity.user, machine: identity.machine, machineId: identity.machineId })
}

/** One host's line for a deploy; durations are kept in whole milliseconds. */
export function deployEntry(fields: Fields<DeployEntry>): DeployEntry {
  const steps = Object.fromEntries(Object.entries(fields.steps).map(([step, ms]) => [step, Math.round(ms)]))
  return build('deploy', { ...fields, steps, durationMs: Math.round(fields.durationMs) })
}

/** One host's line for a rollback. */
export function rollbackEntry(fields: Fields<RollbackEntry>): RollbackEntry {
  return build('rollback', { ...fields, durationMs: Math.round(fields.durationMs) })
}

/** One host's line for `setup`. */
export function setupEntry(fields: Fields<SetupEntry>): SetupEntry {
  return build('setup', fields)
}

/** A lock of a dead holder was broken; the holder is kept, without its token. */
export function lockBrokenEntry(fields: Omit<Fields<LockBrokenEntry>, 'holder'> & { holder: LockHolder }): LockBrokenEntry {
  return build('lock-broken', { ...fields, holder: withoutToken(fields.holder) })
}

/** `unlock --force` freed someone else's lock; the holder is kept, without its token. */
export function unlockForcedEntry(fields: Omit<Fields<UnlockForcedEntry>, 'holder'> & { holder: LockHolder | null }): UnlockForcedEntry {
  return build('unlock-forced', { ...fields, holder: fields.holder === null ? null : withoutToken(fields.holder) })
}

function build<K extends HistoryKind>(kind: K, fields: Fields<Extract<HistoryEntry, { kind: K }>>): Extract<HistoryEntry, { kind: K }> {
  // `v` and `kind` first: someone reading the file with `tail` sees what each line is at once.
  return withoutUndefined({ v: HISTORY_VERSION, kind, ...fields }) as unknown as Extract<HistoryEntry, { kind: K }>
}

/** The token proves ownership of a lock; a log has no use for it. */
function withoutToken(holder: LockHolder): HistoryLockHolder {
  const { token: _token, ...rest } = holder
  return rest
}

/**
 * `JSON.stringify` drops undefined fields anyway; dropping them here keeps what a builder
 * returns equal to what is read back.
 */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T
}

/**
 * Reads one line of a host's history. Null for lines that are not entries at all (blank,
 * cut off mid-write, no `kind` or `at`): a damaged line must never stop `history`.
 * Lines written before `v` existed have the version-1 shape, except that `lock-broken`
 * named who broke the lock `by`.
 */
export function parseHistoryLine(line: string): ReadHistoryEntry | null {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return null
  }
  if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.at !== 'string') return null
  const fields = value as Record<string, unknown> & { kind: string; at: string }
  const unknown = (): UnknownHistoryEntry => ({
    kind: 'unknown',
    originalKind: fields.kind,
    ...(typeof fields.v === 'number' ? { v: fields.v } : {}),
    at: fields.at,
    fields,
  })
  if (fields.v !== undefined && fields.v !== HISTORY_VERSION) return unknown()
  if (!Object.hasOwn(KNOWN, fields.kind)) return unknown()
  const entry = normalize({ ...fields, v: HISTORY_VERSION })
  return hasActor(entry) && KNOWN[fields.kind as HistoryKind](entry) ? (entry as unknown as HistoryEntry) : unknown()
}

/** What older versions wrote differently: `by` for who broke a lock, and the holder's token. */
function normalize(entry: Record<string, unknown>): Record<string, unknown> {
  const { by, ...rest } = entry
  if (rest.user === undefined && isString(by)) rest.user = by
  else if (by !== undefined) rest.by = by
  if (isRecord(rest.holder) && rest.holder.token !== undefined) {
    const { token: _token, ...holder } = rest.holder
    rest.holder = holder
  }
  return rest
}

type Check = (fields: Record<string, unknown>) => boolean

const isString = (value: unknown): value is string => typeof value === 'string'
const isOptional = (check: (value: unknown) => boolean) => (value: unknown) => value === undefined || check(value)
const isNullable = (check: (value: unknown) => boolean) => (value: unknown) => value === null || check(value)
const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every(isString)
const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value)
const isOneOf = (...allowed: string[]) => (value: unknown) => isString(value) && allowed.includes(value)
const isHolder = (value: unknown): boolean => isRecord(value) && isString(value.user) && isString(value.machine)

function shape(checks: Record<string, (value: unknown) => boolean>): Check {
  return (fields) => Object.entries(checks).every(([key, check]) => check(fields[key]))
}

function hasActor(fields: Record<string, unknown>): boolean {
  return isString(fields.user) && isString(fields.machine) && isOptional(isString)(fields.machineId)
}

/** Just enough to trust the fields a reader relies on; extra fields are left alone. */
const KNOWN: { [K in HistoryKind]: Check } = {
  deploy: shape({
    id: isString,
    environment: isString,
    ref: isString,
    sha: isString,
    release: isString,
    hosts: isStrings,
    result: isOneOf('success', 'failed', 'interrupted'),
    failedStep: isOptional(isString),
    resumeOf: isOptional(isString),
    steps: (value) => isRecord(value) && Object.values(value).every(isNumber),
    durationMs: isNumber,
    tag: isOptional(isString),
    promotedFrom: isOptional(isString),
  }),
  rollback: shape({
    id: isString,
    environment: isString,
    from: isNullable(isString),
    release: isOptional(isString),
    hosts: isStrings,
    result: isOneOf('success', 'failed'),
    durationMs: isNumber,
  }),
  setup: shape({ id: isString, result: isOneOf('success', 'failed') }),
  'lock-broken': shape({ holder: isHolder, why: isString }),
  'unlock-forced': shape({ id: isString, holder: isNullable(isHolder), result: isOneOf('success') }),
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
