/**
 * Where blobs live in the store: `<prefix>/blobs/sha256/<hex>`, keyed by the sha256 of the
 * content alone, so every environment, release and promote that ships the same bytes
 * shares one object, and a host can check what it fetched with `sha256sum`. Packs of
 * small blobs (`packing.ts`) live at `<prefix>/packs/<id>.tar`, named by their member list.
 */
import { createHash } from 'node:crypto'
import type { StoreConfig } from '../config/types.js'

/** The object key of the blob whose content has sha256 `hex`. */
export function blobKey(store: StoreConfig, hex: string): string {
  return `${store.prefix === '' ? '' : `${store.prefix}/`}blobs/sha256/${hex}`
}

/** The object key of the pack named `id` (`packId`). */
export function packKey(store: StoreConfig, id: string): string {
  return `${store.prefix === '' ? '' : `${store.prefix}/`}packs/${id}.tar`
}

/** A short stable name for one store (service, bucket and prefix), for this machine's cache. */
export function storeId(store: StoreConfig): string {
  return createHash('sha256')
    .update(JSON.stringify([store.endpoint ?? 'aws', store.bucket, store.prefix]))
    .digest('hex')
    .slice(0, 32)
}
