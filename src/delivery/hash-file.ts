/**
 * The sha256 and size of files on this machine (`delivery.via: store` keys blobs by it):
 * small files read whole, which costs a fraction of a stream's CPU for thousands of them;
 * big ones streamed, so no file is ever held whole in memory.
 */
import { createHash } from 'node:crypto'
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

async function hashFile(file: string): Promise<BlobFile> {
  const { size } = await stat(file)
  if (size <= READ_WHOLE_BYTES) return { file, hex: createHash('sha256').update(await readFile(file)).digest('hex'), size }
  const hex = await new Promise<string>((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')))
  })
  return { file, hex, size }
}

/** `hashFile` of each path's file (`fileOf`), 16 at a time, by path. */
export async function hashFiles(paths: readonly string[], fileOf: (path: string) => string): Promise<Map<string, BlobFile>> {
  const found = new Map<string, BlobFile>()
  const results = await settleAll([...paths], 16, async (path) => void found.set(path, await hashFile(fileOf(path))))
  for (const result of results) if (!result.ok) throw result.error
  return found
}
