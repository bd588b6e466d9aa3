/**
 * Small archives made in memory (berth's own files beside an upload, the rendered
 * templates, the metadata of a store delivery), a relay's archive (`tarWithFiles`) and the
 * store's packs (`writeTarFile`): the one module that packs with `tar-stream`. Entries are named and moded here; owners are
 * never taken from them on the host (`--no-same-owner`).
 */
import { closeSync, createReadStream, openSync, readFileSync, writeSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import headers from 'tar-stream/headers.js'

export type TarEntry =
  | { name: string; mode: number; content: string | Buffer }
  | { name: string; mode: number; type: 'directory' }
  /** `link`: a hard link to `linkname`, a path relative to where the archive is unpacked. */
  | { name: string; type: 'link' | 'symlink'; linkname: string }

/** A tar stream of `entries`, in order. */
export function tarOf(entries: readonly TarEntry[]): Readable {
  const archive = pack()
  addEntries(archive, entries)
  archive.finalize()
  return archive
}

function addEntries(archive: ReturnType<typeof pack>, entries: readonly TarEntry[]): void {
  for (const entry of entries) {
    if ('content' in entry) archive.entry({ name: entry.name, mode: entry.mode }, entry.content)
    else if ('linkname' in entry) archive.entry({ name: entry.name, type: entry.type, linkname: entry.linkname, mode: 0o777 })
    else archive.entry({ name: entry.name, type: entry.type, mode: entry.mode })
  }
}

/** A file of this machine to put into an archive as it is, read while the archive is streamed. */
export interface TarFile {
  name: string
  mode: number
  path: string
  size: number
}

/**
 * A tar stream of small `entries` then `files`, each file streamed from disk when its turn
 * comes (a relay's archive: its streams can be large, and are never held in memory).
 */
export function tarWithFiles(entries: readonly TarEntry[], files: readonly TarFile[]): Readable {
  const archive = pack()
  addEntries(archive, entries)
  const addFiles = async (): Promise<void> => {
    for (const file of files) {
      await new Promise<void>((resolve, reject) => {
        const sink = archive.entry({ name: file.name, mode: file.mode, size: file.size }, (error) => (error ? reject(error) : resolve()))
        const source = createReadStream(file.path)
        source.once('error', reject)
        source.pipe(sink)
      })
    }
    archive.finalize()
  }
  addFiles().catch((error: unknown) => archive.destroy(error instanceof Error ? error : new Error(String(error))))
  return archive
}

const ZEROS = Buffer.alloc(1024)

/**
 * Writes a tar of plain files (0644, short names: a store's packs of blobs named by their
 * sha256) into `file`, each member read whole, with tar-stream's header encoder and
 * synchronous writes: a stream per member costs ten times the CPU for thousands of small files.
 */
export function writeTarFile(file: string, members: readonly { name: string; path: string }[]): void {
  const fd = openSync(file, 'w', 0o600)
  try {
    const mtime = new Date()
    for (const member of members) {
      const data = readFileSync(member.path)
      const header = headers.encode({ name: member.name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime })
      if (header === null) throw new Error(`a tar member name is too long: ${member.name}`)
      writeSync(fd, header)
      writeSync(fd, data)
      if (data.length % 512 !== 0) writeSync(fd, ZEROS, 0, 512 - (data.length % 512))
    }
    writeSync(fd, ZEROS)
  } finally {
    closeSync(fd)
  }
}

