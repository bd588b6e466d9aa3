/**
 * File lists of releases this machine shipped, kept by content hash. A host's live release
 * is almost always one this machine deployed last time, so the deploy asks each host only
 * for the hash of its list (64 bytes) and reads the list from here; only a host whose list
 * is unknown here (another machine deployed it, or the cache was cleared) sends it whole.
 * Entries are checked against their name on every read: a damaged one is a miss.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultCacheDir } from '../cache-dir.js'

/** Newest lists kept; each is a few hundred KB for a large app. */
const KEEP = 32

/** The lists' directory inside berth's cache (`src/cache-dir.ts`). */
export function manifestCacheDir(cacheDir = defaultCacheDir()): string {
  return join(cacheDir, 'manifests')
}

export function manifestSum(listing: string): string {
  return createHash('sha256').update(listing).digest('hex')
}

/** The list whose sha256 is `sum`, or null when it is not here (or not intact). */
export async function readCachedManifest(sum: string, dir = manifestCacheDir()): Promise<string | null> {
  if (!/^[0-9a-f]{64}$/.test(sum)) return null
  const text = await readFile(join(dir, sum), 'utf8').catch(() => null)
  return text !== null && manifestSum(text) === sum ? text : null
}

/** Keeps `listing` for the next deploy; a cache that cannot be written only costs speed. */
export async function cacheManifest(listing: string, dir = manifestCacheDir()): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const file = join(dir, manifestSum(listing))
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`
    await writeFile(temp, listing, { mode: 0o600 })
    await rename(temp, file)
    await prune(dir)
  } catch {
    // best effort
  }
}

async function prune(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((name) => /^[0-9a-f]{64}$/.test(name))
  if (names.length <= KEEP) return
  const dated = await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(dir, name))).mtimeMs })))
  dated.sort((a, b) => b.mtime - a.mtime)
  await Promise.all(dated.slice(KEEP).map(({ name }) => rm(join(dir, name), { force: true })))
}
