import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync, readlinkSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { hashTree } from '../delivery/manifest.js'
import { clearCache, pruneArtifacts } from './prune.js'
import { findBuild, openArtifact, recordBuild, storeArtifact } from './store.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const temp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-artifact-'))
  dirs.push(dir)
  return dir
}

/** A built tree: a file, an executable in a subdirectory, a symlink, and junk left out of the list. */
function tree(content = 'app\n'): string {
  const root = temp()
  mkdirSync(join(root, 'bin'))
  writeFileSync(join(root, 'app.js'), content)
  writeFileSync(join(root, 'bin', 'start'), '#!/bin/sh\n')
  chmodSync(join(root, 'bin', 'start'), 0o775)
  symlinkSync('app.js', join(root, 'entry.js'))
  writeFileSync(join(root, 'junk'), 'not listed\n')
  return root
}

describe('artifacts in the cache', () => {
  it('keeps exactly the listed files with the listed modes, under the sha256 of the list', async () => {
    const cache = temp()
    const root = tree()
    const manifest = await hashTree(root, ['app.js', 'bin', 'entry.js'])
    const stored = await storeArtifact(cache, root, manifest)
    expect(stored.id).toMatch(/^[0-9a-f]{64}$/)
    expect(readFileSync(join(stored.root, 'app.js'), 'utf8')).toBe('app\n')
    expect(statSync(join(stored.root, 'bin', 'start')).mode & 0o777).toBe(0o755)
    expect(readlinkSync(join(stored.root, 'entry.js'))).toBe('app.js')
    expect(existsSync(join(stored.root, 'junk'))).toBe(false)
    const opened = await openArtifact(cache, stored.id)
    expect(opened?.listing).toBe(stored.listing)
    expect([...opened!.manifest.keys()]).toEqual(['app.js', 'bin/start', 'entry.js'])
  })

  it('a damaged list or an unknown id is a miss, never a wrong tree', async () => {
    const cache = temp()
    const root = tree()
    const stored = await storeArtifact(cache, root, await hashTree(root, ['app.js']))
    expect(await openArtifact(cache, 'f'.repeat(64))).toBeNull()
    expect(await openArtifact(cache, '../x')).toBeNull()
    writeFileSync(join(cache, 'artifacts', stored.id, 'files'), 'damaged\n')
    expect(await openArtifact(cache, stored.id)).toBeNull()
  })

  it('refuses a file list whose paths would leave the artifact or write through one of its links', async () => {
    const cache = temp()
    const root = tree()
    const file = { type: 'file' as const, mode: 0o644, size: 4, hash: 'x' }
    for (const manifest of [
      new Map([['../outside', { ...file, path: '../outside' }]]),
      new Map([['/etc/x', { ...file, path: '/etc/x' }]]),
      new Map([
        ['a', { type: 'link' as const, path: 'a', target: '/tmp' }],
        ['a/x', { ...file, path: 'a/x' }],
      ]),
    ]) {
      await expect(storeArtifact(cache, root, manifest)).rejects.toThrow(/is not a path inside a release/)
    }
  })

  it('finds a build by its inputs key; prunes the least recently used beyond the size; clears all', async () => {
    const cache = temp()
    const a = tree('a'.repeat(1000))
    const b = tree('b'.repeat(1000))
    const first = await storeArtifact(cache, a, await hashTree(a, ['app.js']))
    const second = await storeArtifact(cache, b, await hashTree(b, ['app.js']))
    await recordBuild(cache, 'k'.repeat(64), first.id)
    expect((await findBuild(cache, 'k'.repeat(64)))?.id).toBe(first.id)
    // `first` was used last (found above): `second` goes first.
    utimesSync(join(cache, 'artifacts', second.id, 'used'), new Date(1000), new Date(1000))
    expect(await pruneArtifacts(cache, 1500)).toEqual([second.id])
    expect(await openArtifact(cache, second.id)).toBeNull()
    expect(await pruneArtifacts(cache, 0, first.id)).toEqual([])
    expect(await clearCache(cache)).toEqual({ removed: 1 })
    expect(await findBuild(cache, 'k'.repeat(64))).toBeNull()
  })
})
