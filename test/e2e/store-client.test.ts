/**
 * berth's S3 client (src/store/client.ts) against the signature-checking test server,
 * credentials from the environment as a deployer's would be: which blobs are missing, a
 * put (a big blob streamed), presigned URLs that `curl` can fetch and that fail once
 * tampered, and the probe `check` makes, refused with wrong credentials.
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StoreConfig } from '../../src/config/types.js'
import { openBlobStore } from '../../src/store/client.js'
import { blobKey, packKey } from '../../src/store/keys.js'
import { startS3Server, type S3Server } from '../helpers/s3-server.js'

let base: string
let server: S3Server
let store: StoreConfig
const saved = { ...process.env }

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'berth-store-client-'))
  server = await startS3Server({ baseDir: base })
  Object.assign(process.env, server.env)
  store = { bucket: server.bucket, prefix: 'client test', endpoint: server.endpoint, pathStyle: true }
})
afterAll(async () => {
  process.env = saved
  await server?.stop()
  rmSync(base, { recursive: true, force: true })
})

// Asynchronous: the server answers from this very process.
const curl = async (url: string): Promise<{ body: string; status: string }> => {
  const { stdout } = await promisify(execFile)('curl', ['-q', '-s', '-o', '-', '-w', '\n%{http_code}', url], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })
  const text = stdout.toString('latin1')
  const cut = text.lastIndexOf('\n')
  return { body: text.slice(0, cut), status: text.slice(cut + 1) }
}

describe("berth's S3 client", () => {
  it('finds what is missing, puts it (a big blob streamed), and signs URLs curl can fetch', async () => {
    const small = Buffer.from('small blob\n')
    const big = randomBytes(17 * 1024 * 1024)
    const blobs = [small, big].map((content, i) => {
      const file = join(base, `blob-${i}`)
      writeFileSync(file, content)
      const hex = createHash('sha256').update(content).digest('hex')
      // The second in another folder of the prefix, as packs are: each folder signs alike.
      return { hex, key: i === 0 ? blobKey(store, hex) : packKey(store, hex), file, size: content.length, content }
    })
    const keys = blobs.map((b) => b.key)
    const client = await openBlobStore(store)
    try {
      expect(await client.missing(keys)).toEqual(new Set(keys))
      const before = server.bytesIn()
      await client.put(blobs)
      expect(server.bytesIn() - before).toBe(small.length + big.length)
      expect(await client.missing(keys)).toEqual(new Set())
      const urls = await client.presign(keys)
      // The key is under the prefix, encoded once ("client test" has a space).
      expect(urls.get(keys[0]!)).toContain(`/${server.bucket}/client%20test/blobs/sha256/${blobs[0]!.hex}?`)
      expect(urls.get(keys[1]!)).toContain(`/${server.bucket}/client%20test/packs/${blobs[1]!.hex}.tar?`)
      for (const blob of blobs) {
        const fetched = await curl(urls.get(blob.key)!)
        expect(fetched.status).toBe('200')
        expect(Buffer.from(fetched.body, 'latin1').equals(blob.content)).toBe(true)
      }
      const tampered = urls.get(keys[1]!)!.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`)
      expect((await curl(tampered)).status).toBe('403')
    } finally {
      client.close()
    }
    // s3rver answers 500 to a listing under a prefix with a space: the probe lists a plain one.
    const plain = await openBlobStore({ ...store, prefix: 'client-test' })
    await plain.probe()
    plain.close()
  })

  it('refuses wrong credentials with a hint, and never shows them', async () => {
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret-5678'
    try {
      const client = await openBlobStore({ ...store, prefix: 'client-test' })
      const error = await client.probe().then(
        () => null,
        (e: unknown) => e as { message: string; hint?: string },
      )
      client.close()
      expect(error?.message).toMatch(/^reaching the store failed for s3:\/\/berth-test\/client-test at http:\/\/127\.0\.0\.1:\d+: .*\(HTTP 403\)/)
      expect(error?.hint).toContain('check the AWS credentials')
      expect(JSON.stringify(error)).not.toContain('not-the-secret-5678')
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = server.env.AWS_SECRET_ACCESS_KEY!
    }
  })

  it('gives up on a store that takes connections and never answers, instead of waiting for ever', async () => {
    const silent = createServer(() => {
      // Never answers: a hung proxy or a store that stopped serving.
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    try {
      const client = await openBlobStore({ ...store, endpoint: `http://127.0.0.1:${port}` }, { connectMs: 1000, idleMs: 300 })
      const started = Date.now()
      const error = await client.probe().then(
        () => null,
        (e: unknown) => e as Error,
      )
      client.close()
      expect(error?.message).toMatch(/^reaching the store failed/)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      silent.closeAllConnections()
      await new Promise((resolve) => silent.close(resolve))
    }
  })
})
