/**
 * Small archives made in memory (berth's own files beside an upload, the rendered
 * templates): the one module that packs with `tar-stream`. Entries are named and moded
 * here; owners are never taken from them on the host (`--no-same-owner`).
 */
import type { Readable } from 'node:stream'
import { pack } from 'tar-stream'

export interface TarEntry {
  name: string
  mode: number
  content: string
}

/** A tar stream of `entries`, in order. */
export function tarOf(entries: readonly TarEntry[]): Readable {
  const archive = pack()
  for (const entry of entries) archive.entry({ name: entry.name, mode: entry.mode }, entry.content)
  archive.finalize()
  return archive
}
