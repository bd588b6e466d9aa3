/**
 * What this machine knows is already in a store, so a redeploy or a promote asks the store
 * about none of it: one line per blob put or found there, `<git blob id> <sha256>` (the
 * file lists name contents by git blob id; the store keys them by sha256). Appended, never
 * rewritten: a line is a few dozen bytes and runs may append at the same time. Like every
 * cache it is best effort; a damaged line is skipped. A store whose blobs were deleted
 * behind berth's back needs this file gone (`berth cache clear`).
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoreConfig } from '../config/types.js'
import { storeId } from './keys.js'

const LINE = /^([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{64})$/

function knownFile(cacheDir: string, store: StoreConfig): string {
  return join(cacheDir, 'store', `${storeId(store)}.known`)
}

/** git blob id → sha256, for the blobs known to be in `store`. */
export async function readKnownBlobs(cacheDir: string, store: StoreConfig): Promise<Map<string, string>> {
  const text = await readFile(knownFile(cacheDir, store), 'utf8').catch(() => '')
  const known = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = LINE.exec(line)
    if (match !== null) known.set(match[1]!, match[2]!)
  }
  return known
}

export async function recordKnownBlobs(cacheDir: string, store: StoreConfig, blobs: ReadonlyMap<string, string>): Promise<void> {
  if (blobs.size === 0) return
  try {
    await mkdir(join(cacheDir, 'store'), { recursive: true, mode: 0o700 })
    await appendFile(knownFile(cacheDir, store), [...blobs].map(([id, hex]) => `${id} ${hex}\n`).join(''), { mode: 0o600 })
  } catch {
    // best effort: the next deploy asks the store again
  }
}
