/**
 * Contents straight out of git by blob id, for `delivery.via: store`: one `git cat-file
 * --batch` streams every blob asked for, each written to a file named by its id and hashed
 * (sha256, the store's key) on the way, so a first deploy neither packs nor unpacks the
 * tree to read it, and reads each byte once.
 */
import { spawn } from 'node:child_process'
import { createHash, type Hash } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { StateError } from '../errors.js'

export interface BlobFile {
  file: string
  /** sha256 of the content. */
  hex: string
  size: number
}

/** Writes each blob of `ids` (git blob ids of `repoDir`) to `dir/<id>`. */
export function writeGitBlobs(repoDir: string, ids: readonly string[], dir: string): Promise<Map<string, BlobFile>> {
  const written = new Map<string, BlobFile>()
  if (ids.length === 0) return Promise.resolve(written)
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    let failure: Error | null = null
    let header = Buffer.alloc(0)
    // The blob being read: its file, hash, and the bytes still to come (its trailing newline included).
    let current: { id: string; fd: number; hash: Hash; size: number; left: number } | null = null
    const fail = (error: Error): void => {
      failure ??= error
      child.kill()
    }
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        let at = 0
        while (at < chunk.length && failure === null) {
          if (current === null) {
            const end = chunk.indexOf(10, at)
            if (end < 0) {
              header = Buffer.concat([header, chunk.subarray(at)])
              return
            }
            const line = Buffer.concat([header, chunk.subarray(at, end)]).toString()
            header = Buffer.alloc(0)
            at = end + 1
            const [id, type, size] = line.split(' ')
            if (type !== 'blob' || size === undefined) throw new StateError(`git has no blob ${id ?? line} in ${repoDir} (${line})`, { step: 'fetch' })
            current = { id: id!, fd: openSync(join(dir, id!), 'w', 0o600), hash: createHash('sha256'), size: Number(size), left: Number(size) + 1 }
          }
          const take = Math.min(current.left, chunk.length - at)
          const data = chunk.subarray(at, at + Math.min(take, current.left - 1))
          if (data.length > 0) {
            writeSync(current.fd, data)
            current.hash.update(data)
          }
          current.left -= take
          at += take
          if (current.left === 0) {
            closeSync(current.fd)
            written.set(current.id, { file: join(dir, current.id), hex: current.hash.digest('hex'), size: current.size })
            current = null
          }
        }
      } catch (error) {
        fail(error as Error)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdin.on('error', () => {
      // git stopped reading: its exit status says why.
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (current !== null) closeSync(current.fd)
      if (failure !== null) reject(failure)
      else if (code !== 0 || written.size !== new Set(ids).size) reject(new StateError(`git cat-file failed in ${repoDir}: ${stderr.trim() || `exit ${code}`}`, { step: 'fetch' }))
      else resolve(written)
    })
    child.stdin.end(ids.map((id) => `${id}\n`).join(''))
  })
}
