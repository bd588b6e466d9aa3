/**
 * Hashing files on this machine: small files read whole, which costs a fraction of a
 * stream's CPU for thousands of them; big ones streamed, so no file is ever held whole in
 * memory. The file lists' git blob ids (`manifest.ts`) and the store's sha256 keys
 * (`delivery.via: store`) are both computed through `hashInto`.
 */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { settleAll } from '../fleet/pool.js'

/** A file's content as the store sees it. */
export interface BlobFile {
  file: string
  /** sha256 of the content. */
  hex: string
  size: number
}

const READ_WHOLE_BYTES = 8 * 1024 * 1024

/** Feeds `file`'s content (`size` bytes) to `hash`. */
export async function hashInto(hash: Hash, file: string, size: number): Promise<Hash> {
  if (size <= READ_WHOLE_BYTES) return hash.update(await readFile(file))
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', resolve)
  })
  return hash
}

async function hashFile(file: string): Promise<BlobFile> {
  const { size } = await stat(file)
  return { file, hex: (await hashInto(createHash('sha256'), file, size)).digest('hex'), size }
}

/** `hashFile` of each path's file (`fileOf`), 16 at a time, by path. */
export async function hashFiles(paths: readonly string[], fileOf: (path: string) => string): Promise<Map<string, BlobFile>> {
  const found = new Map<string, BlobFile>()
  const results = await settleAll([...paths], 16, async (path) => void found.set(path, await hashFile(fileOf(path))))
  for (const result of results) if (!result.ok) throw result.error
  return found
}
