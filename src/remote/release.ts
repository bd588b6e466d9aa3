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
import { pruneBlobs } from './blobs.js'

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

/**
 * Receives an upload into a new release. One `tar -x` in `releases/` unpacks the new and
 * changed files (entries named `<release>/...`) and, beside the release, berth's own
 * delivery files as a second archive (hence `-i`): the new file list and, when the host
 * has a live release, the NUL-separated paths of the files that did not change. Those are
 * copied from the live release — never hard-linked: a file shared with an older release
 * would change there when a hook or the app writes to it — with `cp --reflink=auto`, which
 * costs nothing on a filesystem that shares blocks (Btrfs, XFS), through `tar | tar` where
 * `cp` cannot (no GNU cp or no `xargs`). Owners are not taken from the stream.
 *
 * `compressed` and `base` are null in a plan made before the host answered. `input` is where
 * the stream is read from: stdin, or a file already on the host (a relay staged it there).
 */
export function receiveRelease(layout: Layout, id: string, compressed: boolean | null = false, base: string | null = null, input = '-'): string {
  // -m: each file is dated when it arrives, by the host's clock (see `Layout.paths`).
  const options = shellJoin(['-m', '-i', '-f', input, '--no-same-owner', '-C', layout.releases])
  const z = compressed === null ? '<-z when the stream is gzipped> ' : compressed ? '-z ' : ''
  return all(
    `tar -x ${z}${options}`,
    base === null ? '' : copyUnchanged(layout, id, base),
    fileDelivery(layout, id),
  )
}

/**
 * The end of every delivery: the file list and the paths file (see `Layout.paths`), which
 * arrived in the delivery directory, filed beside the release, and that directory removed.
 */
export function fileDelivery(layout: Layout, id: string): string {
  const delivery = layout.delivery(id)
  return all(
    shellJoin(['mv', '-f', `${delivery}/files`, layout.files(id)]),
    // Last, once every file is in place: its date is the release's delivery (see `Layout.paths`).
    `if [ -f ${q(`${delivery}/paths`)} ]; then ${shellJoin(['mv', '-f', `${delivery}/paths`, layout.paths(id)])} && ${shellJoin(['touch', layout.paths(id)])}; fi`,
    shellJoin(['rm', '-rf', delivery]),
  )
}

/** The unchanged files, copied from `base` into the new release (see `receiveRelease`). */
export function copyUnchanged(layout: Layout, id: string, base: string): string {
  const list = `${layout.delivery(id)}/reuse`
  const to = layout.release(id)
  const failed = `${layout.delivery(id)}/copy-failed`
  return [
    `if [ -s ${q(list)} ]; then`,
    `  ( cd ${q(layout.release(base))} || exit 1`,
    `    xargs -0 cp -P -p --reflink=auto --parents -t ${q(to)} -- < ${q(list)} 2>/dev/null && exit 0`,
    // The pipeline's status is the last tar's: the first one's failure is kept in a file.
    `    { tar -c -f - --null -T ${q(list)} || : > ${q(failed)}; } | tar -x -f - --no-same-owner -C ${q(to)} && [ ! -e ${q(failed)} ]`,
    `  ) || { echo ${q(`berth: could not copy the unchanged files from ${base}`)} >&2; exit 1; }`,
    `fi`,
  ].join('\n')
}

/** Replaces REVISION (the app may ship one of its own: it is replaced, not written into). */
export function writeRevision(layout: Layout, id: string, sha: string): string {
  const file = posix.join(layout.release(id), 'REVISION')
  return all(`printf '%s\\n' ${q(sha)} > ${q(`${file}.tmp`)}`, shellJoin(['mv', '-f', `${file}.tmp`, file]))
}

/**
 * Deletes releases and their records. Callers pass only validated release ids. Under the
 * lock they are only renamed into `Layout.trash` (one `mv`, atomic for each, whatever their
 * size): no listing of releases sees them from then on, and the blob lists that
 * `pruneBlobs` reads are gone with them. The unlinking of their files happens after, in a
 * background `rm` whose output goes nowhere (so the SSH session does not wait for it),
 * niced (its CPU is the same the rest of the fleet is deploying on); it empties the whole
 * trash, so what an earlier one left (a host rebooted mid-way) goes too. Where the rename
 * cannot be done, the files are removed in place as before.
 */
export function removeReleases(layout: Layout, ids: string[]): string {
  if (ids.length === 0) return ':'
  const files = ids.flatMap((id) => [layout.release(id), layout.manifest(id), layout.files(id), layout.paths(id), layout.deps(id), layout.blobList(id), layout.delivery(id)])
  const trash = q(layout.trash)
  return all(
    // `mv` refuses a missing source: only what exists is named ("$@" is this script's scratch list).
    `set --; for f in ${files.map(q).join(' ')}; do if [ -e "$f" ] || [ -L "$f" ]; then set -- "$@" "$f"; fi; done`,
    `if [ $# -gt 0 ]; then { ${ensureDir(layout.trash)} && mv -f -- "$@" ${trash}/ 2>/dev/null; } || rm -rf -- "$@"; fi`,
    pruneBlobs(layout),
    // Redirected as a whole: a shell waiting on it must hold no copy of the session's pipes.
    // u+w first: a release may hold read-only directories (Go's module cache) that a deploy user who is not root could not empty.
    `if [ -d ${trash} ]; then ( chmod -R u+w -- ${trash} 2>/dev/null; nice -n 19 rm -rf -- ${trash} 2>/dev/null || rm -rf -- ${trash} ) </dev/null >/dev/null 2>&1 & fi`,
  )
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
