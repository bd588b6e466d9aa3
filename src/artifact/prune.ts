/**
 * Keeping the cache's artifacts within their size (`BERTH_CACHE_MAX`, `cache-dir.ts`):
 * after an artifact is stored, the least recently used ones go until the rest fit. And what
 * `berth cache` shows and `berth cache clear` removes.
 */
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parseManifest } from '../delivery/manifest.js'
import { artifactsDir, isArtifactId } from './store.js'

interface CachedArtifact {
  id: string
  /** Bytes of its files, as its list says. */
  bytes: number
  files: number
  /** When a deploy last used it (ms since the epoch). */
  usedAt: number
}

/** The artifacts in the cache, least recently used first. */
async function listArtifacts(cacheDir: string): Promise<CachedArtifact[]> {
  const dir = artifactsDir(cacheDir)
  const names = (await readdir(dir).catch(() => [] as string[])).filter(isArtifactId)
  const found = await Promise.all(
    names.map(async (id): Promise<CachedArtifact | null> => {
      const listing = await readFile(join(dir, id, 'files'), 'utf8').catch(() => null)
      const manifest = listing === null ? null : parseManifest(listing.split('\n'))
      const usedAt = (await stat(join(dir, id, 'used')).catch(() => null))?.mtimeMs ?? 0
      if (manifest === null) return { id, bytes: 0, files: 0, usedAt }
      let bytes = 0
      for (const entry of manifest.values()) if (entry.type === 'file') bytes += entry.size
      return { id, bytes, files: manifest.size, usedAt }
    }),
  )
  return found.filter((entry) => entry !== null).sort((a, b) => a.usedAt - b.usedAt)
}

/** Removes the least recently used artifacts (never `keep`) until the rest take at most `maxBytes`. */
export async function pruneArtifacts(cacheDir: string, maxBytes: number, keep?: string): Promise<string[]> {
  const artifacts = await listArtifacts(cacheDir)
  let total = artifacts.reduce((sum, artifact) => sum + artifact.bytes, 0)
  const removed: string[] = []
  for (const artifact of artifacts) {
    if (total <= maxBytes) break
    if (artifact.id === keep) continue
    await removeArtifact(cacheDir, artifact.id)
    total -= artifact.bytes
    removed.push(artifact.id)
  }
  return removed
}

export interface CacheReport {
  dir: string
  artifacts: CachedArtifact[]
  /** Total bytes of the artifacts' files. */
  bytes: number
  maxBytes: number
}

export async function cacheReport(cacheDir: string, maxBytes: number): Promise<CacheReport> {
  const artifacts = await listArtifacts(cacheDir)
  return { dir: cacheDir, artifacts, bytes: artifacts.reduce((sum, a) => sum + a.bytes, 0), maxBytes }
}

/**
 * Empties the whole cache (artifacts, file lists, live guesses, mirrors of remote repos):
 * the next deploy builds again and reads every host's file list. Each entry is renamed
 * aside first, so a run reading the cache at that moment sees an entry whole or not at all.
 */
export async function clearCache(cacheDir: string): Promise<{ removed: number }> {
  const names = await readdir(cacheDir).catch(() => [] as string[])
  await Promise.all(names.map((name) => removeAside(join(cacheDir, name))))
  return { removed: names.length }
}

function removeArtifact(cacheDir: string, id: string): Promise<void> {
  return removeAside(join(artifactsDir(cacheDir), id))
}

async function removeAside(path: string): Promise<void> {
  const aside = `${path}.${randomBytes(4).toString('hex')}.gone`
  await rename(path, aside).catch(() => {})
  await rm(aside, { recursive: true, force: true })
}
