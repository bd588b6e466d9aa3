/**
 * One round trip that reads everything berth needs to know about a host: where `current`
 * points, which releases exist, their records, the lock, and the last history line. The
 * script prints `@key value` lines; `parseHostState` turns them back into data.
 */
import { posix } from 'node:path'
import type { LockHolder } from '../errors.js'
import { shellQuote as q } from '../transport/quote.js'
import { isReleaseId } from './id.js'
import type { Layout } from './layout.js'
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

export interface InspectOptions {
  /** Also hash the live release's file list (for incremental uploads). */
  withFiles?: boolean
  /** Also list each release's `deploy/rollback*` executables. */
  withRollbackHooks?: boolean
  /** Also read the last history line (what `status` shows as the last deploy). */
  withHistory?: boolean
}

export function inspectHost(layout: Layout, options: InspectOptions = {}): string {
  const lock = layout.lock
  return [
    `printf '@now %s\\n' "\${__berth_now:-$(date +%s)}"`,
    `if [ ! -d ${q(layout.root)} ]; then echo '@absent'; exit 0; fi`,
    `if [ -L ${q(layout.current)} ]; then printf '@current %s\\n' "$(readlink ${q(layout.current)})"; elif [ -e ${q(layout.current)} ]; then echo '@current-is-directory'; fi`,
    // Shell builtins only in these loops: a process per release would cost more than the rest.
    `for d in ${q(layout.releases)}/*/; do [ -d "$d" ] && d=\${d%/} && printf '@release %s\\n' "\${d##*/}"; done`,
    `for f in ${q(layout.manifests)}/*.json; do [ -f "$f" ] && { IFS= read -r r || [ -n "$r" ]; } < "$f" && printf '@record %s\\n' "$r"; done`,
    // `read` is a shell builtin: no process for these one-line files.
    `if [ -d ${q(lock)} ]; then __berth_l=; __berth_h=; { IFS= read -r __berth_l < ${q(posix.join(lock, 'info.json'))}; } 2>/dev/null; { IFS= read -r __berth_h < ${q(posix.join(lock, 'heartbeat'))}; } 2>/dev/null; printf '@lock %s\\n@heartbeat %s\\n' "$__berth_l" "$__berth_h"; fi`,
    ...(options.withHistory ? [`[ -f ${q(layout.history)} ] && printf '@history %s\\n' "$(tail -n 1 ${q(layout.history)})"`] : []),
    ...(options.withFiles ? [listCurrentFiles(layout), "command -v gzip >/dev/null 2>&1 && echo '@gzip'"] : []),
    ...(options.withRollbackHooks
      ? [`for f in ${q(layout.releases)}/*/deploy/rollback ${q(layout.releases)}/*/deploy/rollback.*; do [ -f "$f" ] && [ -x "$f" ] && printf '@rollback-hook %s\\n' "\${f#${q(layout.releases)}/}"; done`]
      : []),
    'exit 0',
  ].join('\n')
}

/**
 * The sha256 of the live release's file list (what the next upload diffs against): the
 * deploying machine usually has that list already, and reads the whole of it from the host
 * (`readLiveFiles`) only when it has not.
 */
function listCurrentFiles(layout: Layout): string {
  return [
    `live=$(readlink ${q(layout.current)} 2>/dev/null); live=\${live##*/}`,
    `if [ -n "$live" ] && [ -f ${q(layout.manifests)}/"$live".files ] && [ -d ${q(layout.releases)}/"$live" ]; then echo '@files'; set -- $(sha256sum < ${q(layout.manifests)}/"$live".files) && printf '@files-sum %s\\n' "$1"; fi`,
  ].join('\n')
}

/** The whole file list of release `id`, or nothing when it has none. */
export function readLiveFiles(layout: Layout, id: string): string {
  return `if [ -d ${q(layout.release(id))} ] && [ -f ${q(layout.files(id))} ]; then cat ${q(layout.files(id))}; fi`
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
