/**
 * What berth knows about a host after one inspect round trip (`remote/inspect.ts` prints
 * it as `@key value` lines): where `current` points, which releases exist, their records,
 * the lock, and the last history line. `parseHostState` turns those lines back into data.
 */
import { posix } from 'node:path'
import type { LockHolder, LockHookProcess } from '../errors.js'
import { isReleaseId } from './id.js'
import { isReleaseState, recordOf, type ReleaseRecord } from './record.js'

export interface HostState {
  /** deployTo exists at all. */
  exists: boolean
  /** Release id `current` points at, or null. */
  current: string | null
  /**
   * The text of the `current` symlink exactly as `readlink` prints it, whoever made it
   * (berth's `releases/<id>`, another tool's absolute path, a hand-made link), or null
   * when there is no symlink. A failed deploy puts back exactly this.
   */
  currentLink: string | null
  /** `current` is a symlink to nothing (its release directory is gone). */
  currentDangling: boolean
  /** `current` exists but is a real directory (refused by every switch). */
  currentIsDirectory: boolean
  /** Release directories present, any order. */
  releases: string[]
  /** Releases whose directory holds a `REVISION` file: the last thing a release gets, so the ones complete. */
  complete: Set<string>
  /** What the `REVISION` file of each Capistrano release says (berth's own have it in their record). */
  revisions: Map<string, string>
  records: Map<string, ReleaseRecord>
  /** Releases whose record file exists but cannot be read as one (damaged, cut off, another shape). */
  unreadableRecords: Set<string>
  /** `hooks`: those the lock's run started that still run on the host (see `remote/lock-hooks.ts`). */
  lock: { holder: LockHolder | null; heartbeat: number | null; hooks: LockHookProcess[] } | null
  /** The host's clock, seconds since the epoch (lock staleness is judged on it). */
  now: number
  /** The last history line, when asked for (`withHistory`). */
  lastHistory: Record<string, unknown> | null
  /** The live release has a file list (asked for with `withFiles`). */
  currentHasFiles: boolean
  /** Its sha256, when the host could compute it (see `delivery/manifest-cache.ts`). */
  currentFilesSum: string | null
  /** gzip is installed, so uploads may be compressed (asked for with `withFiles`). */
  gzip: boolean
  /** base64 is installed, so a small upload may ride on the connection's shell (asked for with `withFiles`). */
  base64: boolean
  /** Files of the live release changed on the host since it was delivered (asked for with `withFiles`). */
  modifiedFiles: string[]
  /** In-repo rollback hooks (`deploy/rollback*` executables) per release, when asked for. */
  rollbackHooks: Map<string, string[]>
}

export function parseHostState(output: string): HostState {
  const state: HostState = {
    exists: true,
    current: null,
    currentLink: null,
    currentDangling: false,
    currentIsDirectory: false,
    releases: [],
    complete: new Set(),
    revisions: new Map(),
    records: new Map(),
    unreadableRecords: new Set(),
    lock: null,
    now: Math.floor(Date.now() / 1000),
    lastHistory: null,
    currentHasFiles: false,
    currentFilesSum: null,
    gzip: false,
    base64: false,
    modifiedFiles: [],
    rollbackHooks: new Map(),
  }
  for (const line of output.split('\n')) {
    const match = /^@([a-z0-9-]+)(?: (.*))?$/.exec(line)
    if (!match) continue
    const [, key, value = ''] = match
    switch (key) {
      case 'now':
        state.now = Number(value) || state.now
        break
      case 'absent':
        state.exists = false
        break
      case 'current':
        state.currentLink = value
        state.current = parseCurrentTarget(value)
        break
      case 'current-dangling':
        state.currentDangling = true
        break
      case 'current-is-directory':
        state.currentIsDirectory = true
        break
      case 'release':
        if (isReleaseId(value)) state.releases.push(value)
        break
      case 'revision-file':
        if (isReleaseId(value)) state.complete.add(value)
        break
      case 'revision': {
        const [, release = '', text = ''] = /^(\S+) ?(.*)$/.exec(value) ?? []
        if (isReleaseId(release)) state.revisions.set(release, text.trim())
        break
      }
      case 'record': {
        // `<release> <the record's one line>`: the file's name says whose record a damaged one was.
        const space = value.indexOf(' ')
        const release = space === -1 ? value : value.slice(0, space)
        if (!isReleaseId(release)) break
        const record = parseRecord(space === -1 ? '' : value.slice(space + 1), release)
        if (record) state.records.set(release, record)
        else state.unreadableRecords.add(release)
        break
      }
      case 'lock':
        state.lock = { holder: parseJson<LockHolder>(value), heartbeat: null, hooks: [] }
        break
      case 'heartbeat':
        if (state.lock) state.lock.heartbeat = Number(value) || null
        break
      case 'lock-hook': {
        const [, pid, pgid, hook] = /^(\d+) (\d+|-) (.*)$/.exec(value) ?? []
        if (state.lock && pid !== undefined) state.lock.hooks.push({ pid: Number(pid), pgid: pgid === '-' ? null : Number(pgid), hook: hook! })
        break
      }
      case 'files':
        state.currentHasFiles = true
        break
      case 'gzip':
        state.gzip = true
        break
      case 'base64':
        state.base64 = true
        break
      case 'modified':
        state.modifiedFiles.push(value)
        break
      case 'files-sum':
        if (/^[0-9a-f]{64}$/.test(value)) state.currentFilesSum = value
        break
      case 'rollback-hook': {
        const [release = '', ...rest] = value.split('/')
        if (isReleaseId(release)) state.rollbackHooks.set(release, [...(state.rollbackHooks.get(release) ?? []), rest.join('/')])
        break
      }
      case 'history':
        state.lastHistory = parseJson<Record<string, unknown>>(value)
        break
    }
  }
  return state
}

/**
 * The record of release `id` on a host, or one for a release that has none: a Capistrano
 * release's then carries what its `REVISION` says, so adopting it (the switch records the
 * release it replaces) keeps what it runs.
 */
export function recordOn(state: Pick<HostState, 'records' | 'revisions'> | null | undefined, id: string): ReleaseRecord {
  const record = recordOf(state?.records, id)
  if (state?.records.has(id) || !state?.revisions.has(id)) return record
  return { ...record, revision: state.revisions.get(id)! }
}

/** `releases/<id>` (berth's own links) or an absolute path ending in it (other tools'). */
function parseCurrentTarget(target: string): string | null {
  const id = posix.basename(target.replace(/\/+$/, ''))
  return isReleaseId(id) ? id : null
}

/** A record only when it is one, for this release: a damaged file must never pass for a good release. */
function parseRecord(text: string, release: string): ReleaseRecord | null {
  const record = parseJson<Partial<ReleaseRecord> | null>(text)
  if (record === null || typeof record !== 'object' || record.release !== release || !isReleaseState(record.state)) return null
  return record as ReleaseRecord
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T
  } catch {
    return null
  }
}
