import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { diffManifests, hashTree, parseManifest, serializeManifest } from './manifest.js'

let root = ''
afterEach(() => rmSync(root, { recursive: true, force: true }))

function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'berth-manifest-'))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  return root
}

describe('manifest', () => {
  it('hashes files, records links and expands directories', async () => {
    const dir = tree({ 'a.txt': 'A', 'dist/app.js': 'x', 'dist/sub/b.js': 'y', "we'ird\nname": 'z' })
    chmodSync(join(dir, 'a.txt'), 0o755)
    symlinkSync('a.txt', join(dir, 'link'))
    const manifest = await hashTree(dir, ['a.txt', 'dist', 'link', "we'ird\nname"])
    expect([...manifest.keys()]).toEqual(['a.txt', 'dist/app.js', 'dist/sub/b.js', 'link', "we'ird\nname"])
    expect(manifest.get('a.txt')).toMatchObject({ type: 'file', mode: 0o755, size: 1 })
    expect(manifest.get('link')).toEqual({ type: 'link', path: 'link', target: 'a.txt' })
    expect(parseManifest(serializeManifest(manifest).split('\n'))).toEqual(manifest)
  })

  it('rejects a damaged manifest as a whole', () => {
    expect(parseManifest(['["f","a",420,1,"abc"]', '{not json'])).toBeNull()
    expect(parseManifest(['["x","a"]'])).toBeNull()
  })

  it('sends only new and changed files; identical ones are linked', async () => {
    const dir = tree({ 'same.txt': 'same', 'changed.txt': 'v1', 'gone.txt': 'bye' })
    const base = await hashTree(dir, ['same.txt', 'changed.txt', 'gone.txt'])
    writeFileSync(join(dir, 'changed.txt'), 'v2')
    writeFileSync(join(dir, 'new.txt'), 'new!')
    const next = await hashTree(dir, ['same.txt', 'changed.txt', 'new.txt'])
    expect(diffManifests(base, next)).toEqual({ link: ['same.txt'], send: ['changed.txt', 'new.txt'], bytesSent: 6 })
    expect(diffManifests(null, next).send).toHaveLength(3)
  })

  it('sends a file whose mode changed', async () => {
    const dir = tree({ 'run.sh': 'echo' })
    const base = await hashTree(dir, ['run.sh'])
    chmodSync(join(dir, 'run.sh'), 0o755)
    expect(diffManifests(base, await hashTree(dir, ['run.sh'])).send).toEqual(['run.sh'])
  })
})
