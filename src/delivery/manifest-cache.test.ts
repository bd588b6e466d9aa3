import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cacheManifest, manifestSum, readCachedManifest } from './manifest-cache.js'

const dirs: string[] = []
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-manifests-'))
  dirs.push(dir)
  return join(dir, 'cache')
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('manifest cache', () => {
  it('returns a list by the sha256 a host reports for it', async () => {
    const dir = tempDir()
    const listing = '["f","a.txt",420,2,"x"]\n'
    await cacheManifest(listing, dir)
    // The same sum the host's `sha256sum` gives for the file it keeps.
    expect(manifestSum(listing)).toBe(execFileSync('sha256sum', { input: listing, encoding: 'utf8' }).split(' ')[0])
    expect(await readCachedManifest(manifestSum(listing), dir)).toBe(listing)
    expect(await readCachedManifest(manifestSum('other'), dir)).toBeNull()
    expect(await readCachedManifest('../../etc/passwd', dir)).toBeNull()
  })

  it('treats a damaged entry as missing', async () => {
    const dir = tempDir()
    const listing = '["f","a.txt",420,2,"x"]\n'
    await cacheManifest(listing, dir)
    writeFileSync(join(dir, manifestSum(listing)), '["f","a.txt",420,2,"y"]\n')
    expect(await readCachedManifest(manifestSum(listing), dir)).toBeNull()
  })

  it('keeps the newest lists only', async () => {
    const dir = tempDir()
    for (let i = 0; i < 40; i++) {
      await cacheManifest(`list ${i}\n`, dir)
      const when = new Date(Date.now() - (40 - i) * 1000)
      utimesSync(join(dir, manifestSum(`list ${i}\n`)), when, when)
    }
    expect(readdirSync(dir)).toHaveLength(32)
    expect(await readCachedManifest(manifestSum('list 39\n'), dir)).toBe('list 39\n')
    expect(await readCachedManifest(manifestSum('list 0\n'), dir)).toBeNull()
  })
})
