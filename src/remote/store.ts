/**
 * A release built from the store (`delivery.via: store`, README "Delivery at scale"). The
 * command's stdin is a small tar of metadata only (no file content goes over SSH), into
 * the release's delivery directory: the file list and paths files as an upload has them,
 * the paths to copy from the live release, the blobs with their presigned URLs, the
 * paths that are executable, and `stage.tar`: one entry per new or changed file, a hard
 * link to its blob, and the release's new symlinks.
 *
 * The host fetches the blobs it lacks (`blobs.ts`), unpacks `stage.tar` next to the
 * release (hard links into the blob store: no bytes copied yet) and then COPIES that
 * stage into the release with `cp --reflink=auto` (free where the file system shares
 * blocks): never a hard link to a blob, so a hook or the app writing into a release file
 * changes neither the blob store nor any other release. Unchanged files are copied from
 * the live release as an upload does.
 */
import type { Layout } from '../release/layout.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { BLOB_FILES, fetchBlobs } from './blobs.js'
import { copyUnchanged, fileDelivery } from './release.js'
import { sequence } from './script.js'

/** Names inside the delivery directory (`Layout.delivery`) besides the upload's own and `BLOB_FILES`. */
export const STORE_FILES = {
  stage: 'stage.tar',
  /** NUL-separated paths of the staged files that are executable (0755). */
  exec: 'exec',
} as const

/**
 * `compressed` and `base` as for `receiveRelease`: null in a plan made before the host
 * answered. The whole runs in a subshell with umask 022, so files the host creates have the
 * modes the file list records, whatever the login's umask is.
 */
export function receiveFromStore(layout: Layout, id: string, compressed: boolean | null = false, base: string | null = null): string {
  const delivery = layout.delivery(id)
  const stage = `${delivery}/stage`
  const release = layout.release(id)
  const z = compressed === null ? '<-z when the stream is gzipped> ' : compressed ? '-z ' : ''
  const body = sequence(
    'umask 022',
    `tar -x ${z}${shellJoin(['-m', '-f', '-', '--no-same-owner', '-C', layout.releases])}`,
    fetchBlobs(layout, id),
    // Hard links to the blobs (names and links relative to deployTo), then copied for real.
    shellJoin(['tar', '-x', '-f', `${delivery}/${STORE_FILES.stage}`, '--no-same-owner', '-C', layout.root]),
    `if [ -d ${q(stage)} ]; then ${shellJoin(['cp', '-R', '-P', '--reflink=auto', `${stage}/.`, `${release}/`])} 2>/dev/null || ${shellJoin(['cp', '-R', '-P', `${stage}/.`, `${release}/`])}; fi`,
    `if [ -s ${q(`${delivery}/${STORE_FILES.exec}`)} ]; then ( cd ${q(release)} && xargs -0 chmod 0755 -- < ${q(`${delivery}/${STORE_FILES.exec}`)} ); fi`,
    base === null ? '' : copyUnchanged(layout, id, base),
    shellJoin(['mv', '-f', `${delivery}/${BLOB_FILES.used}`, layout.blobList(id)]),
    fileDelivery(layout, id),
  )
  return `( ${body}\n)`
}
