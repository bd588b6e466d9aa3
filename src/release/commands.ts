/**
 * Every shell command berth runs on a host is built here, as text from quoted words.
 * Pure functions: the plan prints them and unit tests assert them as strings. Values that
 * come from users (paths, refs, JSON records) only ever pass through `shellQuote`.
 */
import { posix } from 'node:path'
import type { LockHolder } from '../errors.js'
import type { HistoryEntry } from '../history/entry.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import type { Layout } from './layout.js'
import { withState, type ReleaseRecord, type ReleaseState } from './record.js'

/** Exit codes of berth's own host scripts that mean "a state the user must see", not a crash. */
export const EXIT = {
  currentIsDirectory: 65,
  releaseMissing: 66,
  releaseExists: 67,
} as const

/**
 * `mkdir -p` only when the directory is missing: on the hot path of every deploy and
 * rollback, each process a host need not start is time the whole fleet waits.
 */
function ensureDir(path: string): string {
  return `{ [ -d ${q(path)} ] || mkdir -p ${q(path)}; }`
}

/** True when the lock still carries `token` (read with a shell builtin, no process). */
function holdsLock(layout: Layout, token: string): string {
  return `{ IFS= read -r __berth_token < ${q(posix.join(layout.lock, 'token'))}; } 2>/dev/null && [ "$__berth_token" = ${q(token)} ]`
}

/** Creates the directories every deploy needs; idempotent, and no process when they exist. */
export function ensureLayout(layout: Layout): string {
  const dirs = [layout.releases, layout.shared, layout.manifests]
  return `{ ${dirs.map((dir) => `[ -d ${q(dir)} ]`).join(' && ')} || ${shellJoin(['mkdir', '-p', ...dirs])}; }`
}

/**
 * Takes the lock with `mkdir` (atomic: no test-then-write) and writes the holder and a
 * heartbeat. Prints `@lock acquired` or `@lock held` followed by what the holder wrote.
 * A lock without a heartbeat is one being written (just after its holder's mkdir) or being
 * removed (`rm -rf` empties it before the rmdir): seen in that instant it would read as an
 * unknown, stale holder and the user be told to force it open, so it is tried once more
 * a second later.
 */
export function takeLock(layout: Layout, holder: LockHolder & { token: string }): string {
  const info = posix.join(layout.lock, 'info.json')
  return [
    `${ensureDir(layout.berth)} || exit 1`,
    // The host's clock, read once: the heartbeat and the state read after this share it.
    `__berth_now=$(date +%s)`,
    `for attempt in 1 2; do`,
    `  if mkdir ${q(layout.lock)} 2>/dev/null; then`,
    `    printf '%s\\n' ${q(JSON.stringify(holder))} > ${q(info)} && printf '%s\\n' ${q(holder.token)} > ${q(posix.join(layout.lock, 'token'))} && printf '%s\\n' "$__berth_now" > ${q(posix.join(layout.lock, 'heartbeat'))} || exit 1`,
    `    echo '@lock acquired'`,
    `    break`,
    `  fi`,
    `  if [ -s ${q(posix.join(layout.lock, 'heartbeat'))} ] || [ "$attempt" = 2 ]; then`,
    `    __berth_holder=; { IFS= read -r __berth_holder < ${q(info)}; } 2>/dev/null; printf '@lock held %s\\n' "$__berth_holder"`,
    `    break`,
    `  fi`,
    `  sleep 1`,
    `done`,
  ].join('\n')
}

/** Removes the lock only if it still carries our token: a run never frees someone else's lock. */
export function releaseLock(layout: Layout, token: string): string {
  return `if ${holdsLock(layout, token)}; then rm -rf ${q(layout.lock)}; fi`
}

/** Removes whatever lock is there (`unlock --force`, or a holder proven dead). */
export function breakLock(layout: Layout, expectedToken?: string): string {
  if (expectedToken === undefined) return shellJoin(['rm', '-rf', layout.lock])
  return releaseLock(layout, expectedToken)
}

/** Refreshes the heartbeat so other machines can tell a live deploy from a dead one. */
export function touchHeartbeat(layout: Layout, token: string): string {
  return `${holdsLock(layout, token)} && date +%s > ${q(posix.join(layout.lock, 'heartbeat'))}`
}

/** Writes a release record atomically (temp file renamed over the old one). */
export function writeRecord(layout: Layout, record: ReleaseRecord): string {
  const file = layout.manifest(record.release)
  return `${ensureDir(layout.manifests)} && printf '%s\\n' ${q(JSON.stringify(record))} > ${q(`${file}.tmp`)} && mv -f ${q(`${file}.tmp`)} ${q(file)}`
}

/** Starts a release: records it as preparing and creates its (new, empty) directory. */
export function createRelease(layout: Layout, record: ReleaseRecord): string {
  const dir = layout.release(record.release)
  return [
    ensureLayout(layout),
    `if [ -e ${q(dir)} ]; then echo ${q(`berth: ${dir} already exists`)} >&2; exit ${EXIT.releaseExists}; fi`,
    writeRecord(layout, record),
    shellJoin(['mkdir', dir]),
  ].join(' && ')
}

/** Directory inside an upload stream that carries berth's own delivery files; removed on arrival. */
export const DELIVERY_DIR = '.berth-delivery'

/**
 * Receives an upload into a new release: one `tar -x` in `releases/` unpacks the new and
 * changed files and hard-links every unchanged one from the live release (entries named
 * `<release>/...`; a link is a second name for the same content, and later releases replace
 * files, they never write through), then berth's delivery files as a second archive (hence
 * `-i`); the release's file list is filed beside it. Owners are not taken from the stream.
 */
export function receiveRelease(layout: Layout, id: string, compressed: boolean | null = false): string {
  const delivery = posix.join(layout.release(id), DELIVERY_DIR)
  // null: not known yet (a plan made before the host said whether it has gzip).
  const z = compressed === null ? '<-z when the stream is gzipped> ' : compressed ? '-z ' : ''
  return [
    `tar -x ${z}-i -f - --no-same-owner -C ${q(layout.releases)}`,
    `mv -f ${q(`${delivery}/files`)} ${q(layout.files(id))}`,
    `rm -rf ${q(delivery)}`,
  ].join(' && ')
}

/**
 * Runs shell fragments one after another, stopping at the first that fails with its exit
 * code. (`set -e` would not: it ignores failures inside `a && b` lists.)
 */
export function sequence(...fragments: string[]): string {
  return fragments.map((fragment) => `{ ${fragment}\n} || exit $?`).join('\n')
}

/** Replaces (never writes through) REVISION: the app's own REVISION may be a hard link into an older release. */
export function writeRevision(layout: Layout, id: string, sha: string): string {
  const file = posix.join(layout.release(id), 'REVISION')
  return `printf '%s\\n' ${q(sha)} > ${q(`${file}.tmp`)} && mv -f ${q(`${file}.tmp`)} ${q(file)}`
}

/**
 * Links each shared file and directory into the release. A missing shared entry is seeded
 * from the release's own copy when it has one (else created empty); nothing in `shared/`
 * is ever deleted or overwritten.
 */
export function linkShared(layout: Layout, id: string, shared: { files: string[]; dirs: string[] }): string {
  const release = layout.release(id)
  const lines: string[] = []
  const link = (entry: string, create: string): void => {
    const target = posix.join(layout.shared, entry)
    const inRelease = posix.join(release, entry)
    lines.push(
      `if [ ! -e ${q(target)} ] && [ ! -L ${q(target)} ]; then mkdir -p ${q(posix.dirname(target))} && if [ -e ${q(inRelease)} ]; then cp -Rp ${q(inRelease)} ${q(target)}; else ${create} ${q(target)}; fi || exit 1; fi`,
      `rm -rf ${q(inRelease)} && mkdir -p ${q(posix.dirname(inRelease))} && ln -s ${q(target)} ${q(inRelease)} || exit 1`,
    )
  }
  for (const dir of shared.dirs) link(dir, 'mkdir -p')
  for (const file of shared.files) link(file, ': >')
  return lines.join('\n')
}

/**
 * Points `current` at a release: a new symlink renamed over the old one (rename(2) is
 * atomic, so `current` is never missing), then checked with readlink. The same command
 * serves deploy and rollback. A real directory at `current` is refused, never replaced.
 */
export function switchCurrent(layout: Layout, id: string): string {
  const target = layout.currentTarget(id)
  const temp = posix.join(layout.root, `.current.${id}.tmp`)
  return [
    `if [ -e ${q(layout.current)} ] && [ ! -L ${q(layout.current)} ]; then echo ${q(`berth: ${layout.current} is a real directory, not a symlink: move it out of the way (berth never deletes it)`)} >&2; exit ${EXIT.currentIsDirectory}; fi`,
    `if [ ! -d ${q(layout.release(id))} ]; then echo ${q(`berth: release ${id} is not on this host`)} >&2; exit ${EXIT.releaseMissing}; fi`,
    `{ { [ ! -e ${q(temp)} ] && [ ! -L ${q(temp)} ]; } || rm -f ${q(temp)}; } && ln -s ${q(target)} ${q(temp)} && mv -T ${q(temp)} ${q(layout.current)} || exit 1`,
    `[ "$(readlink ${q(layout.current)})" = ${q(target)} ] || { echo ${q(`berth: current does not point at ${target} after the switch`)} >&2; exit 1; }`,
  ].join('\n')
}

/** Where a switch goes, and what becomes of the release it leaves. */
export interface SwitchTarget {
  /** The release to put live; recorded `active`. */
  to: ReleaseRecord
  /** The release live until now, when there is one, and its state from now on. */
  from: { record: ReleaseRecord; state: ReleaseState; failedStep?: string } | null
  at: Date
}

/**
 * The one switch berth has, for a deploy, a rollback and the revert of a failed deploy:
 * `current` moves (atomically, see `switchCurrent`), then both releases' records say so.
 */
export function switchRelease(layout: Layout, target: SwitchTarget): string {
  const lines = [switchCurrent(layout, target.to.release), writeRecord(layout, withState(target.to, 'active', target.at))]
  const from = target.from
  if (from !== null) lines.push(writeRecord(layout, withState(from.record, from.state, target.at, from.failedStep)))
  return lines.join(' && ')
}

/**
 * Takes `current` away again on a host whose first deploy failed after the switch: it had
 * no live release before, and must not keep one that failed. Only if it is still ours.
 */
export function unsetCurrent(layout: Layout, id: string): string {
  return `if [ "$(readlink ${q(layout.current)})" = ${q(layout.currentTarget(id))} ]; then rm -f ${q(layout.current)}; fi`
}

/** Deletes releases and their records. Callers pass only validated release ids. */
function removeReleases(layout: Layout, ids: string[]): string {
  if (ids.length === 0) return ':'
  return shellJoin(['rm', '-rf', ...ids.flatMap((id) => [layout.release(id), layout.manifest(id), layout.files(id)])])
}

/** Removes old releases without ever failing: what follows in the same round trip (the unlock) must still run. */
export function tryRemoveReleases(layout: Layout, ids: string[]): string {
  return ids.length === 0 ? ':' : `${removeReleases(layout, ids)} || echo ${q('berth: removing old releases failed')} >&2`
}

/** Appends one line to the host's history; only the builders in `history/entry.ts` make entries. */
export function appendHistory(layout: Layout, entry: HistoryEntry): string {
  return appendHistoryLine(layout, JSON.stringify(entry))
}

/** The same, for a line given as text (a plan shows a placeholder where the run's line goes). */
export function appendHistoryLine(layout: Layout, line: string): string {
  return `${ensureDir(layout.berth)} && printf '%s\\n' ${q(line)} >> ${q(layout.history)}`
}
