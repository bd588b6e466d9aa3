/**
 * The file manifest of a release: every file and symlink with its mode (644 or 755, as git
 * keeps them), size and content id, computed once per deploy on the deploying machine. Kept on each host beside the
 * release (`.berth/releases/<id>.manifest`) so the next deploy knows what is already
 * there and sends only what changed. One JSON array per line: easy to stream, and any
 * byte a path may hold survives.
 */
import { createHash } from 'node:crypto'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { settleAll } from '../fleet/pool.js'
import { hashInto } from './hash-file.js'

type ManifestEntry =
  | { type: 'file'; path: string; mode: number; size: number; hash: string }
  | { type: 'link'; path: string; target: string }

export type Manifest = Map<string, ManifestEntry>

/**
 * Reads and hashes a tree on disk (a build's output); paths are relative to `root` and
 * directories stand for every file below them. Hashes are git blob ids, the same ids
 * `git ls-tree` gives for committed files, so both kinds of release compare alike.
 */
export async function hashTree(root: string, paths: string[]): Promise<Manifest> {
  const files = await expandPaths(root, paths)
  // A few files at once keeps the disk busy without holding many open.
  const results = await settleAll(files, 16, async (path): Promise<ManifestEntry | null> => {
    const full = join(root, path)
    const stat = await lstat(full)
    if (stat.isSymbolicLink()) return { type: 'link', path, target: await readlink(full) }
    if (!stat.isFile()) return null
    return { type: 'file', path, mode: stat.mode & 0o111 ? 0o755 : 0o644, size: stat.size, hash: await blobId(full, stat.size) }
  })
  const manifest: Manifest = new Map()
  for (const result of results) {
    if (!result.ok) throw result.error
    if (result.value) manifest.set(result.value.path, result.value)
  }
  return manifest
}

/** Every file below the given paths (a directory stands for its contents), sorted. */
async function expandPaths(root: string, paths: string[]): Promise<string[]> {
  const out = new Set<string>()
  for (const path of paths) {
    const stat = await lstat(join(root, path)).catch(() => null)
    if (stat?.isDirectory()) {
      const entries = await readdir(join(root, path), { recursive: true, withFileTypes: true })
      for (const entry of entries) {
        if (entry.isDirectory()) continue
        out.add(join(entry.parentPath, entry.name).slice(root.length + 1))
      }
    } else if (stat) {
      out.add(path)
    }
  }
  return [...out].sort()
}

/** git's blob id: sha1 of `blob <size>\0<content>`. Small files in one read, big ones streamed. */
async function blobId(file: string, size: number): Promise<string> {
  return (await hashInto(createHash('sha1').update(`blob ${size}\0`), file, size)).digest('hex')
}

export function serializeManifest(manifest: Manifest): string {
  const lines: string[] = []
  for (const entry of manifest.values()) {
    lines.push(
      JSON.stringify(entry.type === 'file' ? ['f', entry.path, entry.mode, entry.size, entry.hash] : ['l', entry.path, entry.target]),
    )
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`
}

/** Parses a manifest; null when any line is damaged (the host then gets a full upload). */
export function parseManifest(lines: Iterable<string>): Manifest | null {
  const manifest: Manifest = new Map()
  for (const line of lines) {
    if (line === '') continue
    let row: unknown
    try {
      row = JSON.parse(line)
    } catch {
      return null
    }
    if (!Array.isArray(row) || typeof row[1] !== 'string') return null
    if (row[0] === 'f' && typeof row[2] === 'number' && typeof row[3] === 'number' && typeof row[4] === 'string') {
      manifest.set(row[1], { type: 'file', path: row[1], mode: row[2], size: row[3], hash: row[4] })
    } else if (row[0] === 'l' && typeof row[2] === 'string') {
      manifest.set(row[1], { type: 'link', path: row[1], target: row[2] })
    } else {
      return null
    }
  }
  return manifest
}

export interface Delta {
  /** Files identical in the base release: copied from it on the host. */
  link: string[]
  /** Everything else: sent in the tar stream. */
  send: string[]
  bytesSent: number
}

/**
 * What must travel to a host whose live release has `base` (null: everything). A path
 * holding a newline always travels: the host's check of what changed since delivery reads
 * paths one a line (see `Layout.paths`), so such a file could not be checked before reuse.
 */
export function diffManifests(base: Manifest | null, next: Manifest): Delta {
  const delta: Delta = { link: [], send: [], bytesSent: 0 }
  for (const entry of next.values()) {
    const old = base?.get(entry.path)
    if (entry.type === 'file' && old?.type === 'file' && old.hash === entry.hash && old.mode === entry.mode && !entry.path.includes('\n')) {
      delta.link.push(entry.path)
    } else {
      delta.send.push(entry.path)
      if (entry.type === 'file') delta.bytesSent += entry.size
    }
  }
  return delta
}
