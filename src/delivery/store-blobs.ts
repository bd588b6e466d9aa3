/**
 * This machine's side of `delivery.via: store`: the files the hosts need, in the store as
 * blobs or packs of blobs (`store/packing.ts`). Only the contents whose hash this machine
 * does not know yet are read to be hashed (sha256: the store's key and what hosts check),
 * straight from the release tree (`ReleaseSource.contents`); then it asks the store (HEAD)
 * about the blobs and packs it does not know to be there, and puts those the store lacks.
 */
import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoreConfig } from '../config/types.js'
import { StateError } from '../errors.js'
import type { BlobStore } from '../store/client.js'
import { blobKey, packKey } from '../store/keys.js'
import { readKnownBlobs, recordKnownBlobs } from '../store/known.js'
import { packBlobs, type BlobFetch, type Pack } from '../store/packing.js'
import type { BlobFile } from './hash-file.js'
import { writeTarFile } from './tar-entries.js'
import type { ReleaseSource } from './upload.js'

export interface PutReport {
  /** Blobs put now (alone or in packs), the packs among the objects put, and their bytes. */
  put: number
  packs: number
  bytes: number
  /** Blobs needed that the store had already. */
  present: number
}

/**
 * Makes sure the store holds what hosts fetch for each set of paths in `sets` (one set per
 * distinct file list hosts need: `delta.send`); returns each content's sha256 by git blob
 * id, and how each set is fetched (same order as `sets`).
 */
export async function ensureBlobs(
  store: BlobStore,
  config: StoreConfig,
  source: ReleaseSource,
  sets: readonly (readonly string[])[],
  dirs: { cacheDir: string; workDir: string },
): Promise<{ hexOf: Map<string, string>; fetches: BlobFetch[]; report: PutReport }> {
  const known = await readKnownBlobs(dirs.cacheDir, config)
  const hexOf = new Map(known.hexOf)
  // One path per content, to read it from the tree.
  const pathOf = new Map<string, string>()
  for (const paths of sets) {
    for (const path of paths) {
      const entry = source.manifest.get(path)
      if (entry?.type === 'file' && !pathOf.has(entry.hash)) pathOf.set(entry.hash, path)
    }
  }
  const contentOf = new Map<string, BlobFile>()
  const learnt = new Map<string, string>()
  const read = async (paths: string[], name: string): Promise<void> => {
    const dir = join(dirs.workDir, `store-${name}`)
    await mkdir(dir, { recursive: true })
    for (const [path, blob] of await source.contents(paths, dir)) {
      const id = (source.manifest.get(path) as { hash: string }).hash
      const hex = hexOf.get(id)
      if (hex === undefined) learnt.set(id, blob.hex)
      else if (hex !== blob.hex) throw new StateError(`this machine's record of the store names the wrong sha256 for ${path}`, { step: 'fetch', hint: "run 'berth cache clear' and deploy again" })
      hexOf.set(id, blob.hex)
      contentOf.set(blob.hex, blob)
    }
  }
  const unknown = [...pathOf].filter(([id]) => !hexOf.has(id))
  if (unknown.length > 0) await read(unknown.map(([, path]) => path), 'hashed')

  const fetches = sets.map((paths) => {
    const blobs = new Map<string, number>()
    for (const path of paths) {
      const entry = source.manifest.get(path)
      if (entry?.type === 'file') blobs.set(hexOf.get(entry.hash)!, entry.size)
    }
    return packBlobs([...blobs].map(([hex, size]) => ({ hex, size })))
  })
  const singles = [...new Set(fetches.flatMap((fetch) => fetch.single))]
  const packs = [...new Map(fetches.flatMap((fetch) => fetch.packs).map((pack) => [pack.id, pack])).values()]
  const lacking = await store.missing([...singles.filter((hex) => !known.stored.has(hex)).map((hex) => blobKey(config, hex)), ...packs.map((pack) => packKey(config, pack.id))])
  const putSingles = singles.filter((hex) => lacking.has(blobKey(config, hex)))
  const putPacks = packs.filter((pack) => lacking.has(packKey(config, pack.id)))
  // Every blob put, each once: a blob may go alone for some hosts and in a pack for others.
  const putBlobs = new Set([...putSingles, ...putPacks.flatMap((pack) => pack.members)])

  // What must be put and was not read to be hashed: read now.
  const hexPaths = new Map([...pathOf].map(([id, path]) => [hexOf.get(id)!, path]))
  const unread = [...putBlobs].filter((hex) => !contentOf.has(hex))
  if (unread.length > 0) await read(unread.map((hex) => hexPaths.get(hex)!), 'unread')
  const objects = putSingles.map((hex) => ({ key: blobKey(config, hex), file: contentOf.get(hex)!.file, size: contentOf.get(hex)!.size }))
  // One pack at a time: each is written synchronously.
  for (const pack of putPacks) objects.push({ key: packKey(config, pack.id), ...(await writePack(pack, contentOf, dirs.workDir)) })
  await store.put(objects)

  const needed = new Set(fetches.flatMap((fetch) => [...fetch.single, ...fetch.packs.flatMap((pack) => pack.members)]))
  const report: PutReport = { put: putBlobs.size, packs: putPacks.length, bytes: objects.reduce((sum, object) => sum + object.size, 0), present: needed.size - putBlobs.size }
  // Every single blob is in the store now; remember those, and every hash learnt.
  const stored = new Set([...known.stored, ...singles])
  for (const id of pathOf.keys()) {
    const hex = hexOf.get(id)!
    if (stored.has(hex) && !known.stored.has(hex)) learnt.set(id, hex)
  }
  await recordKnownBlobs(dirs.cacheDir, config, learnt, stored)
  return { hexOf, fetches, report }
}

/** A pack's tar, written into the run's directory: its members named by their sha256, in order. */
async function writePack(pack: Pack, contentOf: ReadonlyMap<string, BlobFile>, workDir: string): Promise<{ file: string; size: number }> {
  const dir = join(workDir, 'store-packs')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${pack.id}.tar`)
  writeTarFile(file, pack.members.map((hex) => ({ name: hex, path: contentOf.get(hex)!.file })))
  return { file, size: (await stat(file)).size }
}
