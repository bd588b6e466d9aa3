/**
 * Small archives made in memory (berth's own files beside an upload, the rendered
 * templates, the metadata of a store delivery): the one module that packs with
 * `tar-stream`. Entries are named and moded here; owners are never taken from them on the
 * host (`--no-same-owner`).
 */
import type { Readable } from 'node:stream'
import { pack } from 'tar-stream'

export type TarEntry =
  | { name: string; mode: number; content: string | Buffer }
  | { name: string; mode: number; type: 'directory' }
  /** `link`: a hard link to `linkname`, a path relative to where the archive is unpacked. */
  | { name: string; type: 'link' | 'symlink'; linkname: string }

/** A tar stream of `entries`, in order. */
export function tarOf(entries: readonly TarEntry[]): Readable {
  const archive = pack()
  for (const entry of entries) {
    if ('content' in entry) archive.entry({ name: entry.name, mode: entry.mode }, entry.content)
    else if ('linkname' in entry) archive.entry({ name: entry.name, type: entry.type, linkname: entry.linkname, mode: 0o777 })
    else archive.entry({ name: entry.name, type: entry.type, mode: entry.mode })
  }
  archive.finalize()
  return archive
}
