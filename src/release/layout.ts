/**
 * Where things live under `deployTo` on a host (README, "Where things are on a host").
 * Pure path math: nothing here touches a disk.
 */
import { posix } from 'node:path'

export interface Layout {
  root: string
  releases: string
  current: string
  shared: string
  repo: string
  berth: string
  lock: string
  manifests: string
  history: string
  /** `delivery.via: store`: the blobs fetched from the store, one file per sha256. */
  blobs: string
  /**
   * Where cleanup moves old releases (a rename, under the lock) before deleting them in
   * the background: the deploy does not wait for thousands of files to be unlinked.
   */
  trash: string
  release(id: string): string
  manifest(id: string): string
  /** The release's file list (path, mode, size, hash), for incremental uploads. */
  files(id: string): string
  /**
   * Where an upload's own files (the new file list, the paths to copy from the live release)
   * land beside the release while it is received: never inside the app's tree, so an app
   * may have a directory of any name; a dot-name, so no listing of releases sees it.
   */
  delivery(id: string): string
  /**
   * The release's regular files, one path a line, as delivered; its modification time is
   * the moment the release was received (a file of the release newer than it was changed
   * on the host since: never passed on as unchanged).
   */
  paths(id: string): string
  /**
   * The keys of the release's reused dependency directories (`reuse:`), one file per
   * directory, present once the directory is complete (copied, or installed by its hook).
   */
  deps(id: string): string
  /**
   * The blobs (sha256, one a line) release `id` was built from with `delivery.via: store`:
   * a blob no kept release names is pruned with the releases.
   */
  blobList(id: string): string
  /** Target written into the `current` symlink: relative, so the tree can be moved. */
  currentTarget(id: string): string
}

export function layoutFor(deployTo: string): Layout {
  const root = posix.normalize(deployTo).replace(/\/+$/, '') || '/'
  const join = (...parts: string[]): string => posix.join(root, ...parts)
  return {
    root,
    releases: join('releases'),
    current: join('current'),
    shared: join('shared'),
    repo: join('repo'),
    berth: join('.berth'),
    lock: join('.berth', 'lock'),
    manifests: join('.berth', 'releases'),
    history: join('.berth', 'history.jsonl'),
    blobs: join('.berth', 'blobs'),
    trash: join('.berth', 'trash'),
    release: (id) => join('releases', id),
    manifest: (id) => join('.berth', 'releases', `${id}.json`),
    files: (id) => join('.berth', 'releases', `${id}.files`),
    delivery: (id) => join('releases', deliveryName(id)),
    paths: (id) => join('.berth', 'releases', `${id}.paths`),
    deps: (id) => join('.berth', 'releases', `${id}.deps`),
    blobList: (id) => join('.berth', 'releases', `${id}.blobs`),
    currentTarget: (id) => `releases/${id}`,
  }
}

/** The name of a release's delivery directory inside `releases/` (see `Layout.delivery`). */
export function deliveryName(id: string): string {
  return `.${id}.delivery`
}
