/**
 * The file manifest of a release: every file and symlink with its mode, size and content
 * hash, computed once per deploy on the deploying machine. Kept on each host beside the
 * release (`.berth/releases/<id>.manifest`) so the next deploy knows what is already
 * there and sends only what changed. One JSON array per line: easy to stream, and any
 * byte a path may hold survives.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { settleAll } from '../fleet/pool.js'

export type ManifestEntry =
  | { type: 'file'; path: string; mode: number; size: number; hash: string }
  | { type: 'link'; path: string; target: string }

export type Manifest = Map<string, ManifestEntry>

/** Reads and hashes the tree; paths are relative to `root`. Directories are implied. */
export async function hashTree(root: string, paths: string[]): Promise<Manifest> {
  const files = await expandPaths(root, paths)
  // A few files hashed at once keeps the disk busy without holding many files open.
  const results = await settleAll(files, 8, async (path): Promise<ManifestEntry | null> => {
    const full = join(root, path)
    const stat = await lstat(full)
    if (stat.isSymbolicLink()) return { type: 'link', path, target: await readlink(full) }
    if (!stat.isFile()) return null
    return { type: 'file', path, mode: stat.mode & 0o7777, size: stat.size, hash: await hashFile(full) }
  })
  const manifest: Manifest = new Map()
  for (const result of results) {
    if (!result.ok) throw result.error
    if (result.value) manifest.set(result.value.path, result.value)
  }
  return manifest
}

/** `paths` may name directories (build outputs): they stand for every file below them. */
async function expandPaths(root: string, paths: string[]): Promise<string[]> {
  const out = new Set<string>()
  for (const path of paths) {
    const stat = await lstat(join(root, path)).catch(() => null)
    if (stat?.isDirectory()) {
      const entries = await readdir(join(root, path), { recursive: true, withFileTypes: true })
      for (const entry of entries) {
        if (entry.isDirectory()) continue
        const relative = join(entry.parentPath, entry.name).slice(root.length + 1)
        out.add(relative)
      }
    } else if (stat) {
      out.add(path)
    }
  }
  return [...out].sort()
}

function hashFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
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
  /** Files identical in the base release: hard-linked from it on the host. */
  link: string[]
  /** Everything else: sent in the tar stream. */
  send: string[]
  bytesSent: number
}

/** What must travel to a host whose live release has `base` (null: everything). */
export function diffManifests(base: Manifest | null, next: Manifest): Delta {
  const delta: Delta = { link: [], send: [], bytesSent: 0 }
  for (const entry of next.values()) {
    const old = base?.get(entry.path)
    if (entry.type === 'file' && old?.type === 'file' && old.hash === entry.hash && old.mode === entry.mode) {
      delta.link.push(entry.path)
    } else {
      delta.send.push(entry.path)
      if (entry.type === 'file') delta.bytesSent += entry.size
    }
  }
  return delta
}
