/**
 * What berth knows about a host after one inspect round trip (`remote/inspect.ts` prints
 * it as `@key value` lines): where `current` points, which releases exist, their records,
 * the lock, and the last history line. `parseHostState` turns those lines back into data.
 */
import { posix } from 'node:path'
import type { LockHolder } from '../errors.js'
import { isReleaseId } from './id.js'
import type { ReleaseRecord } from './record.js'

export interface HostState {
  /** deployTo exists at all. */
  exists: boolean
  /** Release id `current` points at, or null. */
  current: string | null
  /** `current` exists but is a real directory (refused by every switch). */
  currentIsDirectory: boolean
  /** Release directories present, any order. */
  releases: string[]
  records: Map<string, ReleaseRecord>
  lock: { holder: LockHolder | null; heartbeat: number | null } | null
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
  /** In-repo rollback hooks (`deploy/rollback*` executables) per release, when asked for. */
  rollbackHooks: Map<string, string[]>
}

export function parseHostState(output: string): HostState {
  const state: HostState = {
    exists: true,
    current: null,
    currentIsDirectory: false,
    releases: [],
    records: new Map(),
    lock: null,
    now: Math.floor(Date.now() / 1000),
    lastHistory: null,
    currentHasFiles: false,
    currentFilesSum: null,
    gzip: false,
    rollbackHooks: new Map(),
  }
  for (const line of output.split('\n')) {
    const match = /^@([a-z-]+)(?: (.*))?$/.exec(line)
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
        state.current = parseCurrentTarget(value)
        break
      case 'current-is-directory':
        state.currentIsDirectory = true
        break
      case 'release':
        if (isReleaseId(value)) state.releases.push(value)
        break
      case 'record': {
        const record = parseJson<ReleaseRecord>(value)
        if (record && isReleaseId(record.release)) state.records.set(record.release, record)
        break
      }
      case 'lock':
        state.lock = { holder: parseJson<LockHolder>(value), heartbeat: null }
        break
      case 'heartbeat':
        if (state.lock) state.lock.heartbeat = Number(value) || null
        break
      case 'files':
        state.currentHasFiles = true
        break
      case 'gzip':
        state.gzip = true
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

/** `releases/<id>` (berth's own links) or an absolute path ending in it (other tools'). */
function parseCurrentTarget(target: string): string | null {
  const id = posix.basename(target.replace(/\/+$/, ''))
  return isReleaseId(id) ? id : null
}

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T
  } catch {
    return null
  }
}
