import { createHash } from 'node:crypto'
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { hostileHost } from '../../test/helpers/sh.js'
import { buffer } from 'node:stream/consumers'
import { diffManifests, parseManifest, serializeManifest, type Delta, type Manifest } from '../delivery/manifest.js'
import { storeStream } from '../delivery/store-stream.js'
import { tarOf } from '../delivery/tar-entries.js'
import { PACKING, packBlobs } from '../store/packing.js'
import { layoutFor } from '../release/layout.js'
import { shellQuote } from '../transport/quote.js'
import { fetchBlobs, pruneBlobs } from './blobs.js'
import { createRelease } from './release.js'
import { sequence } from './script.js'
import { receiveFromStore } from './store.js'

const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'
const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex')
const gitId = (text: string): string => createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0${text}`).digest('hex')

/** The record of release A as a deploy writes it before filling the release. */
const record = { release: A, state: 'preparing' as const, revision: 'f'.repeat(40), ref: 'main', createdAt: 'c', updatedAt: 'u', deployedBy: 'me' }

/** `count` small files of distinct contents: enough of them travel in packs. */
function smallFiles(count: number): Record<string, string> {
  const files: Record<string, string> = {}
  for (let i = 0; i < count; i++) files[`f${i}`] = `file ${i}\n`
  return files
}

/** Names a shell would act on, a newline included. */
const HOSTILE_PATHS = ["it's $(touch pwned1).txt", 'dir with space/`touch pwned2`', 'new\nline', 'bin/run']

function tree(files: Record<string, string>, links: Record<string, string> = {}): Manifest {
  const manifest: Manifest = new Map()
  for (const [path, content] of Object.entries(files)) manifest.set(path, { type: 'file', path, mode: path.startsWith('bin/') ? 0o755 : 0o644, size: Buffer.byteLength(content), hash: gitId(content) })
  for (const [path, target] of Object.entries(links)) manifest.set(path, { type: 'link', path, target })
  return manifest
}

/**
 * A "store" of file:// URLs (curl reads them like http ones): one file per blob in `dir`,
 * and the packs a shipment needs (`packBlobs` decides, as on the deploying machine),
 * written there when asked for. `tamper`: what to serve instead of a content.
 */
function fileStore(dir: string, contents: string[], tamper: Record<string, string> = {}) {
  mkdirSync(join(dir, 'packs'), { recursive: true })
  const hexOf = new Map<string, string>()
  const served = new Map<string, string>()
  const blobs = new Map<string, string>()
  for (const content of contents) {
    const hex = sha256(content)
    hexOf.set(gitId(content), hex)
    served.set(hex, tamper[content] ?? content)
    writeFileSync(join(dir, hex), tamper[content] ?? content)
    blobs.set(hex, pathToFileURL(join(dir, hex)).href)
  }
  /** What `storeStream` needs besides the release: how `delta` is fetched, with its URLs. */
  const ship = async (manifest: Manifest, delta: Delta) => {
    const needed = new Map<string, number>()
    for (const path of delta.send) {
      const entry = manifest.get(path)
      if (entry?.type === 'file') needed.set(hexOf.get(entry.hash)!, entry.size)
    }
    const fetch = packBlobs([...needed].map(([hex, size]) => ({ hex, size })))
    const packs = new Map<string, string>()
    for (const pack of fetch.packs) {
      const file = join(dir, 'packs', `${pack.id}.tar`)
      writeFileSync(file, await buffer(tarOf(pack.members.map((hex) => ({ name: hex, mode: 0o644, content: served.get(hex)! })))))
      packs.set(pack.id, pathToFileURL(file).href)
    }
    return { hexOf, fetch, urls: { blobs, packs } }
  }
  return { hexOf, ship }
}

/** A PATH directory with every command of /usr/bin but `without`, and `extra` scripts. */
function toolsWithout(dir: string, without: string[], extra: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true })
  for (const name of readdirSync('/usr/bin')) if (!without.includes(name)) symlinkSync(join('/usr/bin', name), join(dir, name))
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text, { mode: 0o755 })
  return dir
}

describe('store commands', () => {
  const plain = layoutFor('/srv/shop')

  it('unpack the metadata, fetch, stage and copy in a subshell with umask 022', () => {
    const command = receiveFromStore(plain, A, true, B)
    expect(command.startsWith('( { umask 022\n} || exit $?\n{ tar -x -z -m -f - --no-same-owner -C /srv/shop/releases\n} || exit $?')).toBe(true)
    expect(command).toContain(`tar -x -f /srv/shop/releases/.${A}.delivery/stage.tar --no-same-owner -C /srv/shop`)
    expect(command).toContain(`cp -R -P --reflink=auto /srv/shop/releases/.${A}.delivery/stage/. /srv/shop/releases/${A}/`)
    expect(command).toContain(`mv -f /srv/shop/releases/.${A}.delivery/used /srv/shop/.berth/releases/${A}.blobs`)
    expect(command).toContain('--reflink=auto --parents') // the unchanged files, from the live release
    expect(command).not.toMatch(/\bln\b/)
    expect(fetchBlobs(plain, A)).toContain(`-K /srv/shop/releases/.${A}.delivery/curl.conf`)
  })

  it.each([
    ['curl', () => ''],
    // wget cannot read file:// URLs: a stand-in that reads the URL from stdin as `wget -i -` does.
    ['wget', (dir: string) => `PATH=${shellQuote(toolsWithout(dir, ['curl', 'wget'], { wget: '#!/bin/sh\nread -r u; cat "${u#file://}" > "$3"\n' }))}\n`],
  ])('build a release from blobs with %s under a hostile path: copies, modes, links, a reused file, blob lists', (_tool, path) => {
    const { layout, run: runHere, box } = hostileHost()
    const prelude = path(join(box.base, 'bin'))
    const run = (script: string, input?: Buffer) => runHere(`${prelude}${script}`, input)
    const store = join(box.base, 'store')
    const v1 = { 'index.html': 'v1\n', [HOSTILE_PATHS[0]!]: 'q\n', [HOSTILE_PATHS[1]!]: 'q\n', [HOSTILE_PATHS[2]!]: 'nl\n', 'bin/run': '#!/bin/sh\n' }
    const contents = [...new Set(Object.values(v1)), 'v2\n']
    const { ship } = fileStore(store, contents)
    const first = tree(v1, { 'link to index': 'index.html' })
    const stdin1 = ship(first, diffManifests(null, first)).then((shipped) => storeStream({ release: A, manifest: first, listing: serializeManifest(first), delta: diffManifests(null, first), base: null, ...shipped }, false))
    return stdin1.then(async (input) => {
      const made = run(sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null)), input)
      expect(made, made.stderr).toMatchObject({ code: 0 })
      const release = layout.release(A)
      for (const [path, content] of Object.entries(v1)) expect(readFileSync(join(release, path), 'utf8'), path).toBe(content)
      expect(statSync(join(release, 'bin/run')).mode & 0o777).toBe(0o755)
      expect(statSync(join(release, 'index.html')).mode & 0o777).toBe(0o644)
      expect(readlinkSync(join(release, 'link to index'))).toBe('index.html')
      // Copies, never links to the blob store.
      expect(statSync(join(release, 'index.html')).nlink).toBe(1)
      expect(readdirSync(layout.blobs).sort()).toEqual([...new Set(Object.values(v1).map(sha256))].sort())
      expect(readFileSync(layout.blobList(A), 'utf8').split('\n').filter(Boolean).sort()).toEqual(readdirSync(layout.blobs).sort())
      expect(existsSync(layout.delivery(A))).toBe(false)
      expect(readFileSync(layout.paths(A), 'utf8')).not.toContain('nl') // a path with a newline is never checked nor reused

      // B changes index.html only: the rest is copied from A, one blob is fetched.
      const second = tree({ ...v1, 'index.html': 'v2\n' }, { 'link to index': 'index.html' })
      const base = parseManifest(serializeManifest(first).split('\n'))
      const input2 = await storeStream({ release: B, manifest: second, listing: serializeManifest(second), delta: diffManifests(base, second), base: A, ...(await ship(second, diffManifests(base, second))) }, true)
      const made2 = run(sequence(createRelease(layout, { ...record, release: B }), receiveFromStore(layout, B, true, A)), input2)
      expect(made2, made2.stderr).toMatchObject({ code: 0 })
      expect(readFileSync(join(layout.release(B), 'index.html'), 'utf8')).toBe('v2\n')
      expect(readFileSync(join(layout.release(B), HOSTILE_PATHS[0]!), 'utf8')).toBe('q\n')
      expect(readFileSync(layout.blobList(B), 'utf8')).toContain(sha256('v2\n'))
      expect(readFileSync(layout.blobList(B), 'utf8')).toContain(sha256('nl\n')) // always sent

      // A hook writing into a release file changes neither the blob nor the other release.
      chmodSync(join(layout.release(B), 'index.html'), 0o644)
      writeFileSync(join(layout.release(B), HOSTILE_PATHS[0]!), 'changed by a hook\n')
      expect(readFileSync(join(layout.blobs, sha256('q\n')), 'utf8')).toBe('q\n')
      expect(readFileSync(join(layout.release(A), HOSTILE_PATHS[0]!), 'utf8')).toBe('q\n')

      // Pruning: once A's list is gone, only the blobs B names stay.
      const pruned = run(`rm -f ${shellQuote(layout.blobList(A))}\n${pruneBlobs(layout)}`)
      expect(pruned, pruned.stderr).toMatchObject({ code: 0 })
      expect(readdirSync(layout.blobs).sort()).toEqual(readFileSync(layout.blobList(B), 'utf8').split('\n').filter(Boolean).sort())
      expect(existsSync(join(layout.blobs, sha256('v1\n')))).toBe(false)
      expect(box.pwned()).toEqual([])
    })
  })

  it.each([
    ['curl', () => ''],
    ['wget', (dir: string) => `PATH=${shellQuote(toolsWithout(dir, ['curl', 'wget'], { wget: '#!/bin/sh\nread -r u; cat "${u#file://}" > "$3"\n' }))}\n`],
  ])('fetch many small files in packs with %s: one request per pack, members checked, big files alone, nothing left behind', async (_tool, path) => {
    const { layout, run: runHere, box } = hostileHost()
    const prelude = path(join(box.base, 'bin'))
    const files: Record<string, string> = { [HOSTILE_PATHS[0]!]: 'q\n', [HOSTILE_PATHS[2]!]: 'nl\n', 'big.bin': 'b'.repeat(PACKING.maxPackedBytes + 1) }
    for (let i = 0; i < 100; i++) files[`lib/f${i}.js`] = `module ${i}\n`
    const manifest = tree(files)
    const { ship } = fileStore(join(box.base, 'store'), [...new Set(Object.values(files))])
    const shipped = await ship(manifest, diffManifests(null, manifest))
    expect(shipped.fetch.single).toEqual([sha256(files['big.bin']!)])
    expect(shipped.fetch.packs.length).toBe(16)
    const input = await storeStream({ release: A, manifest, listing: serializeManifest(manifest), delta: diffManifests(null, manifest), base: null, ...shipped }, false)
    const made = runHere(`${prelude}${sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null))}`, input)
    expect(made, made.stderr).toMatchObject({ code: 0 })
    // Nothing on stderr when all went well (curl before 8 shows a progress meter with --parallel even when --silent).
    expect(made.stderr).toBe('')
    for (const [file, content] of Object.entries(files)) expect(readFileSync(join(layout.release(A), file), 'utf8'), file).toBe(content)
    const blobs = readdirSync(layout.blobs).filter((name) => !name.startsWith('.'))
    expect(blobs.sort()).toEqual([...new Set(Object.values(files).map(sha256))].sort())
    for (const blob of blobs) expect(sha256(readFileSync(join(layout.blobs, blob)))).toBe(blob)
    expect(existsSync(layout.delivery(A))).toBe(false)
    expect(box.pwned()).toEqual([])
  })

  it('keeps every blob 0644 whatever mode a pack gives its members (setuid, world-writable)', async () => {
    const files = smallFiles(70)
    const manifest = tree(files)
    const { layout, run, box } = hostileHost()
    const { ship } = fileStore(join(box.base, 'store'), Object.values(files))
    const shipped = await ship(manifest, diffManifests(null, manifest))
    const contents = new Map(Object.values(files).map((content) => [sha256(content), content]))
    for (const pack of shipped.fetch.packs) writeFileSync(new URL(shipped.urls.packs.get(pack.id)!), await buffer(tarOf(pack.members.map((hex) => ({ name: hex, mode: 0o4777, content: contents.get(hex)! })))))
    const input = await storeStream({ release: A, manifest, listing: serializeManifest(manifest), delta: diffManifests(null, manifest), base: null, ...shipped }, false)
    const made = run(sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null)), input)
    expect(made, made.stderr).toMatchObject({ code: 0 })
    for (const blob of readdirSync(layout.blobs).filter((name) => !name.startsWith('.'))) expect(statSync(join(layout.blobs, blob)).mode & 0o7777, blob).toBe(0o644)
    expect(statSync(join(layout.release(A), 'f3')).mode & 0o7777).toBe(0o644)
  })

  it('refuses a pack whose member was tampered with, or that lacks one, and keeps nothing from it', async () => {
    const files = smallFiles(70)
    const manifest = tree(files)
    {
      const { layout, run, box } = hostileHost()
      const { ship } = fileStore(join(box.base, 'store'), Object.values(files), { 'file 7\n': 'evil\n' })
      const input = await storeStream({ release: A, manifest, listing: serializeManifest(manifest), delta: diffManifests(null, manifest), base: null, ...(await ship(manifest, diffManifests(null, manifest))) }, false)
      const made = run(sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null)), input)
      expect(made.code).not.toBe(0)
      expect(made.stderr).toContain(`berth: blob ${sha256('file 7\n')} from the store does not match its sha256 (it has ${sha256('evil\n')}): refused`)
      expect(readdirSync(layout.blobs)).toEqual([])
    }
    {
      const { layout, run, box } = hostileHost()
      const { ship } = fileStore(join(box.base, 'store'), Object.values(files))
      const shipped = await ship(manifest, diffManifests(null, manifest))
      // The pack served lacks one of its members.
      const pack = shipped.fetch.packs[0]!
      writeFileSync(new URL(shipped.urls.packs.get(pack.id)!), await buffer(tarOf(pack.members.slice(1).map((hex) => ({ name: hex, mode: 0o644, content: 'x' })))))
      const input = await storeStream({ release: A, manifest, listing: serializeManifest(manifest), delta: diffManifests(null, manifest), base: null, ...shipped }, false)
      const made = run(sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null)), input)
      expect(made.code).not.toBe(0)
      expect(made.stderr).toContain(`berth: pack ${pack.id} from the store could not be unpacked`)
      expect(readdirSync(layout.blobs)).toEqual([])
      expect(readdirSync(layout.delivery(A))).not.toContain('packs')
    }
  })

  it('refuses a blob whose content does not match its hash, keeps none of it, and leaves no URL behind', async () => {
    const { layout, run, box } = hostileHost()
    const files = { 'a.txt': 'right\n' }
    const { ship } = fileStore(join(box.base, 'store'), ['right\n'], { 'right\n': 'tampered\n' })
    const manifest = tree(files)
    const input = await storeStream({ release: A, manifest, listing: serializeManifest(manifest), delta: diffManifests(null, manifest), base: null, ...(await ship(manifest, diffManifests(null, manifest))) }, false)
    const made = run(sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null)), input)
    expect(made.code).not.toBe(0)
    expect(made.stderr).toContain(`berth: blob ${sha256('right\n')} from the store does not match its sha256 (it has ${sha256('tampered\n')}): refused`)
    expect(readdirSync(layout.blobs)).toEqual([])
    expect(readdirSync(layout.delivery(A))).not.toContain('blobs')
    expect(readdirSync(layout.delivery(A))).not.toContain('curl.conf')
    expect(lstatSync(layout.delivery(A)).mode & 0o777).toBe(0o700)
  })

  it('says what to do when the bucket lost a blob this machine remembers putting', async () => {
    const { layout, run, box } = hostileHost()
    const manifest = tree({ 'a.txt': 'gone\n' })
    const { ship } = fileStore(join(box.base, 'store'), ['gone\n'])
    rmSync(join(box.base, 'store', sha256('gone\n')))
    const input = await storeStream({ release: A, manifest, listing: serializeManifest(manifest), delta: diffManifests(null, manifest), base: null, ...(await ship(manifest, diffManifests(null, manifest))) }, false)
    const made = run(sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null)), input)
    expect(made.code).toBe(1)
    expect(made.stderr).toContain("berth: fetching blobs from the store failed (curl); if blobs were deleted from the bucket, run 'berth cache clear' where you deploy from")
  })

  it('says which tool is missing when the host has neither curl nor wget', async () => {
    const { layout, run, box } = hostileHost()
    const manifest = tree({ 'a.txt': 'x\n' })
    const { ship } = fileStore(join(box.base, 'store'), ['x\n'])
    const input = await storeStream({ release: A, manifest, listing: serializeManifest(manifest), delta: diffManifests(null, manifest), base: null, ...(await ship(manifest, diffManifests(null, manifest))) }, false)
    const made = run(`PATH=${shellQuote(toolsWithout(join(box.base, 'bin'), ['curl', 'wget']))}\n${sequence(createRelease(layout, record), receiveFromStore(layout, A, false, null))}`, input)
    expect(made.code).toBe(1)
    expect(made.stderr).toContain('berth: neither curl nor wget is installed: delivery.via store fetches blobs with one of them')
  })
})
