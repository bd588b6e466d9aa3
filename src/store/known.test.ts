import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { StoreConfig } from '../config/types.js'
import { blobKey, storeId } from './keys.js'
import { readKnownBlobs, recordKnownBlobs } from './known.js'

const store: StoreConfig = { bucket: 'b', prefix: 'apps/shop', pathStyle: false }
const id = 'a'.repeat(40)
const hex = 'b'.repeat(64)

describe('blob keys', () => {
  it('put blobs under <prefix>/blobs/sha256/, or at the top without a prefix', () => {
    expect(blobKey(store, hex)).toBe(`apps/shop/blobs/sha256/${hex}`)
    expect(blobKey({ ...store, prefix: '' }, hex)).toBe(`blobs/sha256/${hex}`)
  })

  it('name each store (service, bucket, prefix) apart in the cache', () => {
    const ids = new Set([storeId(store), storeId({ ...store, prefix: 'other' }), storeId({ ...store, bucket: 'c' }), storeId({ ...store, endpoint: 'http://minio:9000' })])
    expect(ids.size).toBe(4)
    expect(storeId({ ...store, region: 'eu-west-1' })).toBe(storeId(store))
  })
})

describe("this machine's list of blobs known to be in a store", () => {
  it('remembers what was recorded, per store, and skips a damaged line', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'berth-known-'))
    onTestFinished(() => rmSync(cacheDir, { recursive: true, force: true }))
    expect(await readKnownBlobs(cacheDir, store)).toEqual({ hexOf: new Map(), stored: new Set() })
    await recordKnownBlobs(cacheDir, store, new Map([[id, hex]]), new Set([hex]))
    appendFileSync(join(cacheDir, 'store', `${storeId(store)}.known`), 'half a li')
    await recordKnownBlobs(cacheDir, store, new Map([['c'.repeat(40), 'd'.repeat(64)]]), new Set(['d'.repeat(64)]))
    expect(await readKnownBlobs(cacheDir, store)).toEqual({ hexOf: new Map([[id, hex]]), stored: new Set([hex]) })
    expect((await readKnownBlobs(cacheDir, { ...store, prefix: 'other' })).hexOf).toEqual(new Map())
  })

  it('tells a blob stored on its own from one known only by its hash (it went into packs), and learns it was stored later', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'berth-known-'))
    onTestFinished(() => rmSync(cacheDir, { recursive: true, force: true }))
    const packed = 'e'.repeat(64)
    await recordKnownBlobs(cacheDir, store, new Map([[id, hex], ['f'.repeat(40), packed]]), new Set([hex]))
    expect(await readKnownBlobs(cacheDir, store)).toEqual({ hexOf: new Map([[id, hex], ['f'.repeat(40), packed]]), stored: new Set([hex]) })
    await recordKnownBlobs(cacheDir, store, new Map([['f'.repeat(40), packed]]), new Set([packed]))
    expect((await readKnownBlobs(cacheDir, store)).stored).toEqual(new Set([hex, packed]))
  })
})
