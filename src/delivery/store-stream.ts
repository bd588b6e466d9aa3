/**
 * What a host receives over SSH with `delivery.via: store`: metadata only, no file
 * content (`remote/store.ts` unpacks it). Named relative to `releases/`, like an upload's
 * own files; the delivery directory comes first, 0700, because the blob list holds
 * presigned URLs.
 */
import { buffer } from 'node:stream/consumers'
import { gzipSync } from 'node:zlib'
import { BLOB_FILES } from '../remote/blobs.js'
import type { BlobFetch } from '../store/packing.js'
import { STORE_FILES } from '../remote/store.js'
import { deliveryName } from '../release/layout.js'
import type { Delta, Manifest } from './manifest.js'
import { tarOf, type TarEntry } from './tar-entries.js'
import { checkedPaths, deliveryEntries } from './upload.js'

export interface StoreShipment {
  release: string
  manifest: Manifest
  listing: string
  /** What this host's live release lacks, and what it has (null base: everything is new). */
  delta: Delta
  base: string | null
  /** sha256 of each file's content, by its git blob id (the file list's hash). */
  hexOf: ReadonlyMap<string, string>
  /** How this host gets the blobs `delta` needs (every one of them, each once): alone, or in packs. */
  fetch: BlobFetch
  /** Presigned GET URLs: of blobs by sha256, of packs by id. */
  urls: { blobs: ReadonlyMap<string, string>; packs: ReadonlyMap<string, string> }
}

/** The host's stdin: a tar (gzipped when the host has gzip) of the delivery directory. */
export async function storeStream(shipment: StoreShipment, gzip: boolean): Promise<Buffer> {
  const { release, manifest, delta } = shipment
  const dir = deliveryName(release)
  const staged: TarEntry[] = []
  const exec: string[] = []
  for (const path of delta.send) {
    const entry = manifest.get(path)!
    // Names and hard links relative to deployTo (the stage is unpacked there: `remote/store.ts`).
    const name = `releases/${dir}/stage/${path}`
    if (entry.type === 'link') {
      staged.push({ name, type: 'symlink', linkname: entry.target })
    } else {
      staged.push({ name, type: 'link', linkname: `.berth/blobs/${shipment.hexOf.get(entry.hash)!}` })
      if (entry.mode & 0o111) exec.push(path)
    }
  }
  // Every blob `delta` needs, each once: the fetch names each alone or in a pack.
  const { single, packs } = shipment.fetch
  const hexes = [...single, ...packs.flatMap((pack) => pack.members)]
  const entries: TarEntry[] = [
    { name: `${dir}/`, type: 'directory', mode: 0o700 },
    ...deliveryEntries(release, shipment.base === null ? [] : delta.link, checkedPaths(manifest), shipment.listing),
    { name: `${dir}/${BLOB_FILES.urls}`, mode: 0o600, content: single.map((hex) => `${hex} ${shipment.urls.blobs.get(hex)!}\n`).join('') },
    { name: `${dir}/${BLOB_FILES.packs}`, mode: 0o600, content: packs.map((pack) => `${pack.id} ${shipment.urls.packs.get(pack.id)!}\n`).join('') },
    ...packs.map((pack): TarEntry => ({ name: `${dir}/${BLOB_FILES.members}/${pack.id}`, mode: 0o644, content: pack.members.map((hex) => `${hex}\n`).join('') })),
    { name: `${dir}/${BLOB_FILES.used}`, mode: 0o644, content: hexes.map((hex) => `${hex}\n`).join('') },
    { name: `${dir}/${STORE_FILES.exec}`, mode: 0o644, content: exec.map((path) => `${path}\0`).join('') },
    { name: `${dir}/${STORE_FILES.stage}`, mode: 0o644, content: await buffer(tarOf(staged)) },
  ]
  const tar = await buffer(tarOf(entries))
  return gzip ? gzipSync(tar) : tar
}
