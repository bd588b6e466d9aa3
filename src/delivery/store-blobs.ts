/**
 * This machine's side of `delivery.via: store`: the files the hosts need, as blobs in the
 * store. Only the contents this machine does not already know to be there are read: they
 * are packed from the release tree like an upload, unpacked into the run's own directory,
 * hashed (sha256, the store's key and what hosts check), asked about (HEAD) and put when
 * the store lacks them.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoreConfig } from '../config/types.js'
import { StateError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import type { BlobStore } from '../store/client.js'
import { readKnownBlobs, recordKnownBlobs } from '../store/known.js'
import type { ReleaseSource } from './upload.js'

export interface PutReport {
  /** Blobs put now, and their bytes. */
  put: number
  bytes: number
  /** Blobs needed that the store had already. */
  present: number
}

/**
 * Makes sure the store holds the content of every file whose path is in `paths`; returns
 * each one's sha256 by git blob id.
 */
export async function ensureBlobs(
  store: BlobStore,
  config: StoreConfig,
  source: ReleaseSource,
  paths: readonly string[],
  dirs: { cacheDir: string; workDir: string },
): Promise<{ hexOf: Map<string, string>; report: PutReport }> {
  const known = await readKnownBlobs(dirs.cacheDir, config)
  const unknown = new Map<string, string>()
  const knownNeeded = new Set<string>()
  for (const path of paths) {
    const entry = source.manifest.get(path)
    if (entry?.type !== 'file') continue
    if (known.has(entry.hash)) knownNeeded.add(known.get(entry.hash)!)
    else if (!unknown.has(entry.hash)) unknown.set(entry.hash, path)
  }
  const hexOf = new Map(known)
  const report: PutReport = { put: 0, bytes: 0, present: knownNeeded.size }
  if (unknown.size === 0) return { hexOf, report }
  const files = await unpack(source, [...unknown.values()], dirs.workDir)
  const found = new Map<string, { hex: string; file: string; size: number }>()
  const hashed = await settleAll([...unknown], 16, async ([id, path]) => {
    const file = join(files, path)
    found.set(id, { hex: await sha256File(file), file, size: (await stat(file)).size })
  })
  for (const result of hashed) if (!result.ok) throw result.error
  const byHex = new Map([...found.values()].map((blob) => [blob.hex, blob]))
  const lacking = await store.missing([...byHex.keys()])
  const toPut = [...lacking].map((hex) => byHex.get(hex)!)
  await store.put(toPut)
  report.put = toPut.length
  report.bytes = toPut.reduce((sum, blob) => sum + blob.size, 0)
  report.present = new Set([...knownNeeded, ...byHex.keys()]).size - toPut.length
  const learnt = new Map([...found].map(([id, blob]) => [id, blob.hex]))
  await recordKnownBlobs(dirs.cacheDir, config, learnt)
  for (const [id, hex] of learnt) hexOf.set(id, hex)
  return { hexOf, report }
}

/** The files at `paths`, packed from the source and unpacked under the returned directory. */
async function unpack(source: ReleaseSource, paths: string[], workDir: string): Promise<string> {
  const tar = join(workDir, 'store-blobs.tar')
  const dir = join(workDir, 'store-blobs')
  await mkdir(dir, { recursive: true })
  // `pack` appends: a file left by an earlier call must not come first.
  await rm(tar, { force: true })
  await source.pack(paths, tar, 'tree')
  await new Promise<void>((resolve, reject) => {
    // -i: a source made of several repositories (submodules) packs one archive after another.
    const child = spawn('tar', ['-x', '-i', '-f', tar, '-C', dir], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new StateError(`unpacking the files for the store failed: ${stderr.trim()}`, { step: 'fetch' }))))
  })
  return join(dir, 'tree')
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
}
