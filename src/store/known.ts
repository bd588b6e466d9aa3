/**
 * What this machine knows about a store, so a redeploy or a promote reads and asks about
 * as little as it can. The file lists name contents by git blob id; the store keys them by
 * sha256. One line per content: `<git blob id> <sha256>` for a blob put or found in the
 * store on its own, `<git blob id> <sha256> -` for one whose hash is known but which went
 * into the store only inside packs (`packing.ts`). Appended, never rewritten: a line is a
 * few dozen bytes and runs may append at the same time. Like every cache it is best
 * effort; a damaged line is skipped. A store whose blobs were deleted behind berth's back
 * needs this file gone (`berth cache clear`).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoreConfig } from '../config/types.js'
import { storeId } from './keys.js'

const LINE = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{64})( -)?$/

export interface KnownBlobs {
  /** sha256 by git blob id. */
  hexOf: Map<string, string>
  /** The sha256s known to be in the store as blobs of their own. */
  stored: Set<string>
}

function knownFile(cacheDir: string, store: StoreConfig): string {
  return join(cacheDir, 'store', `${storeId(store)}.known`)
}

export async function readKnownBlobs(cacheDir: string, store: StoreConfig): Promise<KnownBlobs> {
  const text = await readFile(knownFile(cacheDir, store), 'utf8').catch(() => '')
  const known: KnownBlobs = { hexOf: new Map(), stored: new Set() }
  for (const line of text.split('\n')) {
    const match = LINE.exec(line)
    if (match === null) continue
    known.hexOf.set(match[1]!, match[2]!)
    if (match[3] === undefined) known.stored.add(match[2]!)
  }
  return known
}

/** Records the hashes learnt (`hexOf`) and which of them are in the store on their own (`stored`). */
export async function recordKnownBlobs(cacheDir: string, store: StoreConfig, hexOf: ReadonlyMap<string, string>, stored: ReadonlySet<string>): Promise<void> {
  if (hexOf.size === 0) return
  try {
    await mkdir(join(cacheDir, 'store'), { recursive: true, mode: 0o700 })
    await appendFile(knownFile(cacheDir, store), [...hexOf].map(([id, hex]) => `${id} ${hex}${stored.has(hex) ? '' : ' -'}\n`).join(''), { mode: 0o600 })
  } catch {
    // best effort: the next deploy hashes and asks the store again
  }
}
