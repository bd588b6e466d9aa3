/**
 * What this machine last left live on each host: the release and the hash of its file
 * list. The next deploy packs the stream for that base while it is still connecting,
 * instead of after the host has answered; the host's answer (under the lock) decides,
 * and a guess that turns out wrong only costs the packing it did. Never read as truth.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultCacheDir } from '../cache-dir.js'
import { isReleaseId } from '../release/id.js'

export interface LiveGuess {
  /** The release `current` pointed at when this machine last deployed there. */
  live: string
  /** sha256 of that release's file list, as kept in the manifest cache. */
  sum: string
  gzip: boolean
}

/** The guesses' directory inside berth's cache (`src/cache-dir.ts`). */
export function liveCacheDir(cacheDir = defaultCacheDir()): string {
  return join(cacheDir, 'live')
}

/** One entry per host and deploy path: the same server under two apps is two entries. */
export function liveCacheKey(host: { name: string; host: string; user?: string; port?: number }, deployTo: string): string {
  return createHash('sha256').update(JSON.stringify([host.name, host.host, host.user ?? null, host.port ?? null, deployTo])).digest('hex')
}

export async function readLiveGuess(key: string, dir = liveCacheDir()): Promise<LiveGuess | null> {
  try {
    const value = JSON.parse(await readFile(join(dir, key), 'utf8')) as Partial<LiveGuess>
    if (typeof value.live !== 'string' || !isReleaseId(value.live)) return null
    if (typeof value.sum !== 'string' || !/^[0-9a-f]{64}$/.test(value.sum) || typeof value.gzip !== 'boolean') return null
    return { live: value.live, sum: value.sum, gzip: value.gzip }
  } catch {
    return null
  }
}

/** Best effort, like every cache: one that cannot be written only costs speed. */
export async function recordLiveGuess(key: string, guess: LiveGuess, dir = liveCacheDir()): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const file = join(dir, key)
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`
    await writeFile(temp, `${JSON.stringify(guess)}\n`, { mode: 0o600 })
    await rename(temp, file)
  } catch {
    // best effort
  }
}

/**
 * Records, for each host now live on `release` (whose file list hashes to `sum`), what the
 * next deploy will find there: what a delivery's `recordLive` does.
 */
export async function recordLiveRelease(
  hosts: readonly { host: { name: string; host: string; user?: string; port?: number }; state: { gzip?: boolean } | null }[],
  deployTo: string,
  guess: { live: string; sum: string },
  cacheDir: string,
): Promise<void> {
  await Promise.all(hosts.map((host) => recordLiveGuess(liveCacheKey(host.host, deployTo), { ...guess, gzip: host.state?.gzip === true }, liveCacheDir(cacheDir))))
}
