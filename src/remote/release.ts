/**
 * A release's directory and record on a host: created empty, filled by an upload, given
 * its REVISION, and removed by cleanup. Records are JSON written atomically (a temp file
 * renamed over the old one), so a reader never sees half a record.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import type { ReleaseRecord } from '../release/record.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { ensureDir, ensureLayout } from './directories.js'
import { EXIT } from './exit-codes.js'
import { all, tryOr } from './script.js'

/** Writes a release record atomically (temp file renamed over the old one). */
export function writeRecord(layout: Layout, record: ReleaseRecord): string {
  const file = layout.manifest(record.release)
  return all(ensureDir(layout.manifests), `printf '%s\\n' ${q(JSON.stringify(record))} > ${q(`${file}.tmp`)}`, shellJoin(['mv', '-f', `${file}.tmp`, file]))
}

/** Starts a release: records it as preparing and creates its (new, empty) directory. */
export function createRelease(layout: Layout, record: ReleaseRecord): string {
  const dir = layout.release(record.release)
  return all(
    ensureLayout(layout),
    `if [ -e ${q(dir)} ]; then echo ${q(`berth: ${dir} already exists`)} >&2; exit ${EXIT.releaseExists}; fi`,
    writeRecord(layout, record),
    shellJoin(['mkdir', dir]),
  )
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
  const options = shellJoin(['-i', '-f', '-', '--no-same-owner', '-C', layout.releases])
  // null: not known yet (a plan made before the host said whether it has gzip).
  const z = compressed === null ? '<-z when the stream is gzipped> ' : compressed ? '-z ' : ''
  return all(
    `tar -x ${z}${options}`,
    shellJoin(['mv', '-f', `${delivery}/files`, layout.files(id)]),
    shellJoin(['rm', '-rf', delivery]),
  )
}

/** Replaces (never writes through) REVISION: the app's own REVISION may be a hard link into an older release. */
export function writeRevision(layout: Layout, id: string, sha: string): string {
  const file = posix.join(layout.release(id), 'REVISION')
  return all(`printf '%s\\n' ${q(sha)} > ${q(`${file}.tmp`)}`, shellJoin(['mv', '-f', `${file}.tmp`, file]))
}

/** Deletes releases and their records. Callers pass only validated release ids. */
export function removeReleases(layout: Layout, ids: string[]): string {
  if (ids.length === 0) return ':'
  return shellJoin(['rm', '-rf', ...ids.flatMap((id) => [layout.release(id), layout.manifest(id), layout.files(id)])])
}

/** What `tryRemoveReleases` says (after `berth: `) when the removal failed. */
export const REMOVAL_FAILED = 'removing old releases failed'

/**
 * Removes old releases where a failure must not stop what follows (cleanup riding with the
 * unlock: the lock must be freed anyway); nothing to run when there are none.
 */
export function tryRemoveReleases(layout: Layout, ids: string[]): string {
  return ids.length === 0 ? '' : tryOr(removeReleases(layout, ids), REMOVAL_FAILED)
}
