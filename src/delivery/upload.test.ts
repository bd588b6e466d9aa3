import { appendFile } from 'node:fs/promises'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { serializeManifest, type Manifest } from './manifest.js'
import { createShipper, type ReleaseSource } from './upload.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const file = (path: string, hash: string) => ({ type: 'file' as const, path, mode: 0o644, size: 1, hash })
const manifest: Manifest = new Map([file('a.txt', '1'.repeat(40)), file('b.txt', '2'.repeat(40))].map((e) => [e.path, e]))

/** A source that records what it was asked to pack (an empty archive each time). */
function recordingSource(): ReleaseSource & { packed: (string[] | 'all')[] } {
  const packed: (string[] | 'all')[] = []
  return {
    manifest,
    packed,
    pack: async (paths, target) => void (packed.push(paths), await appendFile(target, '')),
    contents: () => Promise.reject(new Error('an upload reads no contents')),
  }
}

describe('createShipper', () => {
  it('packs once per base, even when asked again while still packing', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'berth-ship-'))
    dirs.push(workDir)
    const source = recordingSource()
    let reads = 0
    const shipper = createShipper(async () => (reads++, source), workDir, '20261201T080000-abcdef1')
    const oldList = serializeManifest(new Map([file('a.txt', '1'.repeat(40))].map((e) => [e.path, e]))).split('\n')
    const base = { host: 'web1', live: '20261130T080000-1234567', files: oldList, gzip: false }
    const [one, two, full] = await Promise.all([shipper.shipFor(base), shipper.shipFor({ ...base, host: 'web2' }), shipper.shipFor({ ...base, host: 'web3', live: null, files: null })])
    expect(one).toBe(two)
    expect(one).toMatchObject({ base: '20261130T080000-1234567', filesSent: 1, filesReused: 1 })
    expect(full).toMatchObject({ base: null, filesSent: 2, filesReused: 0 })
    // One pack per base, in whichever order the two finished.
    expect(source.packed).toHaveLength(2)
    expect(source.packed).toEqual(expect.arrayContaining([['b.txt'], 'all']))
    expect(reads).toBeGreaterThan(0)
    expect(await shipper.listing()).toBe(serializeManifest(manifest))
  })

  it('gives a host whose file list is damaged everything', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'berth-ship-'))
    dirs.push(workDir)
    const source = recordingSource()
    const shipper = createShipper(async () => source, workDir, '20261201T080000-abcdef1')
    const shipment = await shipper.shipFor({ host: 'web1', live: '20261130T080000-1234567', files: ['{damaged'], gzip: false })
    expect(shipment).toMatchObject({ base: null, filesSent: 2 })
  })
})
