/**
 * Points `current` at a release, and takes it away again. The same switch serves deploy,
 * the revert of a failed deploy, and rollback.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { EXIT } from './exit-codes.js'
import { withState, type ReleaseRecord, type ReleaseState } from '../release/record.js'
import { writeRecord } from './release.js'
import { all, script } from './script.js'

/**
 * A new symlink renamed over the old one (rename(2) is atomic, so `current` is never
 * missing), then checked with readlink. A real directory at `current` is refused, never
 * replaced.
 */
export function switchCurrent(layout: Layout, id: string): string {
  return script(
    refuseDirectory(layout),
    `if [ ! -d ${q(layout.release(id))} ]; then echo ${q(`berth: release ${id} is not on this host`)} >&2; exit ${EXIT.releaseMissing}; fi`,
    linkOver(layout, layout.currentTarget(id), posix.join(layout.root, `.current.${id}.tmp`)),
  )
}

/**
 * Puts back the `current` symlink a failed deploy found, with exactly the text it had
 * (another tool's absolute path, a hand-made link, a release berth cannot name): the same
 * atomic rename as a switch, so the app is never left without `current`.
 */
export function restoreCurrent(layout: Layout, link: string): string {
  return script(refuseDirectory(layout), linkOver(layout, link, posix.join(layout.root, '.current.restore.tmp')))
}

function refuseDirectory(layout: Layout): string {
  return `if [ -e ${q(layout.current)} ] && [ ! -L ${q(layout.current)} ]; then echo ${q(`berth: ${layout.current} is a real directory, not a symlink: move it out of the way (berth never deletes it)`)} >&2; exit ${EXIT.currentIsDirectory}; fi`
}

/** A new symlink to `target` renamed over `current` (rename(2) is atomic), then checked with readlink. */
function linkOver(layout: Layout, target: string, temp: string): string {
  return script(
    // `--`: a link text another tool wrote may begin with `-`.
    `{ { [ ! -e ${q(temp)} ] && [ ! -L ${q(temp)} ]; } || rm -f ${q(temp)}; } && ln -s -- ${q(target)} ${q(temp)} && mv -T ${q(temp)} ${q(layout.current)} || exit 1`,
    `[ "$(readlink ${q(layout.current)})" = ${q(target)} ] || { echo ${q(`berth: current does not point at ${target} after the switch`)} >&2; exit 1; }`,
  )
}

/**
 * Takes `current` away again on a host whose first deploy failed after the switch: it had
 * no live release before, and must not keep one that failed. Only if it is still ours.
 */
export function unsetCurrent(layout: Layout, id: string): string {
  return `if ${currentIs(layout, layout.currentTarget(id))}; then rm -f ${q(layout.current)}; fi`
}

/** Succeeds only while `current` is exactly `link`: where a host is after a switch that failed part way. */
export function currentIs(layout: Layout, link: string): string {
  return `[ "$(readlink ${q(layout.current)})" = ${q(link)} ]`
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
 * A new release, still recorded `preparing`, is recorded `ready` first: at no instant does
 * `current` name a release its own record calls incomplete (a reader, `status`, a later
 * rollback or cleanup would take it for a half-delivered one), and a disk too full for
 * that record stops the switch before `current` has moved, not after.
 */
export function switchRelease(layout: Layout, target: SwitchTarget): string {
  const from = target.from
  return all(
    target.to.state === 'preparing' ? writeRecord(layout, withState(target.to, 'ready', target.at)) : '',
    switchCurrent(layout, target.to.release),
    writeRecord(layout, withState(target.to, 'active', target.at)),
    from === null ? '' : writeRecord(layout, withState(from.record, from.state, target.at, from.failedStep)),
  )
}
