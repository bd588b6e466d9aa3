import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HOSTILE_VALUES, hostileHost, sh } from '../../test/helpers/sh.js'
import { layoutFor, type Layout } from '../release/layout.js'
import type { ReleaseRecord } from '../release/record.js'
import { shellQuote } from '../transport/quote.js'
import { EXIT } from './exit-codes.js'
import { createRelease, receiveRelease, removeReleases, tryRemoveReleases, writeRecord, writeRevision } from './release.js'
import { script } from './script.js'


const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'
const record = (release: string, ref = 'main'): ReleaseRecord => ({ release, state: 'preparing', revision: 'f'.repeat(40), ref, createdAt: 'c', updatedAt: 'u', deployedBy: 'me@m' })


describe('release commands', () => {
  const plain = layoutFor('/srv/shop')

  it('write records and REVISION through a temp file renamed over the old one', () => {
    expect(writeRecord(plain, { ...record(A), ref: "it's" })).toBe(
      `{ [ -d /srv/shop/.berth/releases ] || mkdir -p /srv/shop/.berth/releases; } && printf '%s\\n' '${JSON.stringify({ ...record(A), ref: 'it' }).replace('"it"', `"it'\\''s"`)}' > /srv/shop/.berth/releases/${A}.json.tmp && mv -f /srv/shop/.berth/releases/${A}.json.tmp /srv/shop/.berth/releases/${A}.json`,
    )
    expect(writeRevision(plain, A, 'abc')).toBe(`printf '%s\\n' abc > /srv/shop/releases/${A}/REVISION.tmp && mv -f /srv/shop/releases/${A}/REVISION.tmp /srv/shop/releases/${A}/REVISION`)
  })

  it('create a release: layout, refusal of an existing one, record, directory', () => {
    expect(createRelease(plain, record(A))).toBe(
      [
        '{ [ -d /srv/shop/releases ] && [ -d /srv/shop/shared ] && [ -d /srv/shop/.berth/releases ] || mkdir -p /srv/shop/releases /srv/shop/shared /srv/shop/.berth/releases; }',
        `{ if [ -e /srv/shop/releases/${A} ]; then echo 'berth: /srv/shop/releases/${A} already exists' >&2; exit ${EXIT.releaseExists}; fi; }`,
        writeRecord(plain, record(A)),
        `mkdir /srv/shop/releases/${A}`,
      ].join(' && '),
    )
  })

  it('receive an upload with one tar -x, then file the list and drop the delivery directory', () => {
    expect(receiveRelease(plain, A)).toBe(
      `tar -x -m -i -f - --no-same-owner -C /srv/shop/releases && mv -f /srv/shop/releases/.${A}.delivery/files /srv/shop/.berth/releases/${A}.files && { if [ -f /srv/shop/releases/.${A}.delivery/paths ]; then mv -f /srv/shop/releases/.${A}.delivery/paths /srv/shop/.berth/releases/${A}.paths && touch /srv/shop/.berth/releases/${A}.paths; fi; } && rm -rf /srv/shop/releases/.${A}.delivery`,
    )
    expect(receiveRelease(plain, A, false, B)).toContain(`xargs -0 cp -P -p --reflink=auto --parents -t /srv/shop/releases/${A} -- < /srv/shop/releases/.${A}.delivery/reuse`)
    expect(receiveRelease(plain, A, true).startsWith('tar -x -z -m -i -f - ')).toBe(true)
  })

  it('remove releases with their records into the trash, emptied in the background, or report and go on', () => {
    // The delivery directory too: an upload cut off mid-way leaves one beside its release.
    const named = [plain.release(A), plain.manifest(A), plain.files(A), plain.paths(A), plain.deps(A), plain.blobList(A), plain.delivery(A)]
    expect(removeReleases(plain, [A]).startsWith(
      `{ set --; for f in ${named.join(' ')}; do if [ -e "$f" ] || [ -L "$f" ]; then set -- "$@" "$f"; fi; done; } && { if [ $# -gt 0 ]; then { { [ -d /srv/shop/.berth/trash ] || mkdir -p /srv/shop/.berth/trash; } && mv -f -- "$@" /srv/shop/.berth/trash/ 2>/dev/null; } || rm -rf -- "$@"; fi\n}`,
    )).toBe(true)
    // Then the blobs of `delivery.via: store` that no release left names (nothing to do without a blob store).
    expect(removeReleases(plain, [A])).toContain(`&& { if [ -d /srv/shop/.berth/blobs ]; then`)
    expect(removeReleases(plain, [A]).endsWith(
      `{ if [ -d /srv/shop/.berth/trash ]; then ( chmod -R u+w -- /srv/shop/.berth/trash 2>/dev/null; nice -n 19 rm -rf -- /srv/shop/.berth/trash 2>/dev/null || rm -rf -- /srv/shop/.berth/trash ) </dev/null >/dev/null 2>&1 & fi; }`,
    )).toBe(true)
    expect(removeReleases(plain, [])).toBe(':')
    expect(tryRemoveReleases(plain, [A])).toBe(`{ ${removeReleases(plain, [A])}\n} || echo 'berth: removing old releases failed' >&2`)
    expect(tryRemoveReleases(plain, [])).toBe('')
  })

  it('writes records as valid JSON whatever they hold, in a hostile path', () => {
    const { layout, run, box } = hostileHost()
    for (const ref of HOSTILE_VALUES) {
      const written = { ...record(A, ref), deployedBy: `${ref}@${ref}` }
      expect(run(writeRecord(layout, written)).code, ref).toBe(0)
      expect(JSON.parse(readFileSync(layout.manifest(A), 'utf8'))).toEqual(written)
    }
    expect(readdirSync(layout.manifests)).toEqual([`${A}.json`])
    expect(box.pwned()).toEqual([])
  })

  it('creates a release once: a second try fails with its own exit code and keeps the first record', () => {
    const { layout, run, box } = hostileHost()
    expect(run(createRelease(layout, record(A, 'first'))).code).toBe(0)
    expect(existsSync(layout.release(A))).toBe(true)
    const again = run(createRelease(layout, record(A, 'second')))
    expect(again).toMatchObject({ code: EXIT.releaseExists, stderr: `berth: ${layout.release(A)} already exists\n` })
    expect(JSON.parse(readFileSync(layout.manifest(A), 'utf8'))).toMatchObject({ ref: 'first' })
    expect(box.pwned()).toEqual([])
  })

  it.each([
    ['with GNU cp', ''],
    // A host without xargs (or a cp that refuses the options) copies through tar | tar.
    ['through tar | tar', 'xargs() { return 127; }\n'],
  ])('copies the unchanged files from the live release %s, never linking them, names full of shell syntax included', (_how, prelude) => {
    const { layout, run, box } = hostileHost()
    const names = ['plain.txt', 'sub dir/it\'s $(touch pwned1).txt', '-dash/`touch pwned2`', 'nl\nname', 'link-to-plain']
    mkdirSync(join(layout.release(A), 'sub dir'), { recursive: true })
    mkdirSync(join(layout.release(A), '-dash'), { recursive: true })
    for (const name of names.slice(0, 4)) writeFileSync(join(layout.release(A), name), `old ${name}`, { mode: 0o755 })
    run(`ln -s plain.txt ${shellQuote(join(layout.release(A), 'link-to-plain'))}`)
    mkdirSync(layout.manifests, { recursive: true })
    // The stream: one changed file, and the delivery files (the list, the paths to reuse).
    const src = join(box.base, 'src')
    mkdirSync(join(src, B), { recursive: true })
    mkdirSync(join(src, `.${B}.delivery`), { recursive: true })
    writeFileSync(join(src, B, 'changed.txt'), 'new')
    writeFileSync(join(src, `.${B}.delivery`, 'files'), 'list\n')
    writeFileSync(join(src, `.${B}.delivery`, 'reuse'), `${names.join('\0')}\0`)
    mkdirSync(layout.release(B), { recursive: true })
    const received = run(`${prelude}tar -c -f - -C ${shellQuote(src)} ${B} .${B}.delivery | { ${receiveRelease(layout, B, false, A)}; }`)
    expect(received, received.stderr).toMatchObject({ code: 0 })
    for (const name of names.slice(0, 4)) {
      expect(readFileSync(join(layout.release(B), name), 'utf8')).toBe(`old ${name}`)
      const [copy, original] = [join(layout.release(B), name), join(layout.release(A), name)].map((path) => statSync(path))
      expect(copy!.ino).not.toBe(original!.ino)
      expect(copy!.mode).toBe(original!.mode)
    }
    expect(run(`readlink ${shellQuote(join(layout.release(B), 'link-to-plain'))}`).stdout).toBe('plain.txt\n')
    expect(readFileSync(join(layout.release(B), 'changed.txt'), 'utf8')).toBe('new')
    expect(existsSync(layout.delivery(B))).toBe(false)
    expect(box.pwned()).toEqual([])
  })

  it('fails, saying so, when a file it should copy is gone from the live release', () => {
    const { layout, run, box } = hostileHost()
    mkdirSync(layout.release(A), { recursive: true })
    mkdirSync(layout.manifests, { recursive: true })
    const src = join(box.base, 'src')
    mkdirSync(join(src, B), { recursive: true })
    mkdirSync(join(src, `.${B}.delivery`), { recursive: true })
    writeFileSync(join(src, B, 'changed.txt'), 'new')
    writeFileSync(join(src, `.${B}.delivery`, 'files'), 'list\n')
    writeFileSync(join(src, `.${B}.delivery`, 'reuse'), 'missing.txt\0')
    mkdirSync(layout.release(B), { recursive: true })
    const received = run(`tar -c -f - -C ${shellQuote(src)} ${B} .${B}.delivery | { ${receiveRelease(layout, B, false, A)}; }`)
    expect(received.code).toBe(1)
    expect(received.stderr).toContain(`berth: could not copy the unchanged files from ${A}`)
  })

    it('unpacks a plain or a gzipped stream into the new release, in a path full of shell syntax', () => {
    const { layout, run, box } = hostileHost()
    const src = join(box.base, 'src')
    for (const [id, compressed] of [[A, false], [B, true]] as const) {
      // The stream names every entry under the release's own directory.
      mkdirSync(join(src, `.${id}.delivery`), { recursive: true })
      mkdirSync(join(src, id, '.berth-delivery'), { recursive: true })
      writeFileSync(join(src, id, 'a.txt'), id)
      // The app's own directory of that name is the app's: kept.
      writeFileSync(join(src, id, '.berth-delivery', 'mine'), 'app\n')
      writeFileSync(join(src, `.${id}.delivery`, 'files'), `list of ${id}\n`)
      mkdirSync(layout.release(id), { recursive: true })
      mkdirSync(layout.manifests, { recursive: true })
      const pack = `tar -c ${compressed ? '-z ' : ''}-f - -C ${shellQuote(src)} ${id} .${id}.delivery`
      expect(run(`${pack} | { ${receiveRelease(layout, id, compressed)}; }`).code).toBe(0)
      expect(readFileSync(join(layout.release(id), 'a.txt'), 'utf8')).toBe(id)
      expect(readFileSync(layout.files(id), 'utf8')).toBe(`list of ${id}\n`)
      expect(readFileSync(join(layout.release(id), '.berth-delivery', 'mine'), 'utf8')).toBe('app\n')
      expect(existsSync(layout.delivery(id))).toBe(false)
      expect(run(writeRevision(layout, id, 'abc123')).code).toBe(0)
      expect(readFileSync(join(layout.release(id), 'REVISION'), 'utf8')).toBe('abc123\n')
    }
    expect(box.pwned()).toEqual([])
  })

  /** Releases A and B with their records (and A's blob list) in a hostile path. */
  function twoReleases(): ReturnType<typeof hostileHost> {
    const host = hostileHost()
    for (const id of [A, B]) {
      mkdirSync(join(host.layout.release(id), 'sub'), { recursive: true })
      writeFileSync(join(host.layout.release(id), 'sub', 'f'), id)
      expect(host.run(writeRecord(host.layout, record(id))).code).toBe(0)
      writeFileSync(host.layout.files(id), 'list')
    }
    writeFileSync(host.layout.blobList(A), `${'a'.repeat(64)}\n`)
    return host
  }

  /** Waits (a few seconds at most) for the background removal to have emptied the trash. */
  async function trashEmptied(layout: Layout): Promise<boolean> {
    for (let i = 0; i < 100 && existsSync(layout.trash); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    return !existsSync(layout.trash)
  }

  it('removes releases and their records; a failure is a warning, and what follows still runs', async () => {
    const { layout, run, box } = twoReleases()
    expect(run(script(tryRemoveReleases(layout, [A]), 'echo next'))).toEqual({ code: 0, stdout: 'next\n', stderr: '' })
    expect([layout.release(A), layout.manifest(A), layout.files(A), layout.blobList(A), layout.delivery(A)].filter((f) => existsSync(f))).toEqual([])
    expect([existsSync(layout.release(B)), existsSync(layout.manifest(B))]).toEqual([true, true])
    expect(readdirSync(layout.releases)).toEqual([B])
    expect(await trashEmptied(layout)).toBe(true)
    // No mv nor rm on the PATH: the removal fails (permissions would not stop root).
    const failing = sh(script(tryRemoveReleases(layout, [B]), 'echo next'), { cwd: box.base, env: { PATH: '/nonexistent' } })
    expect(failing).toMatchObject({ code: 0, stdout: 'next\n' })
    expect(failing.stderr).toMatch(/rm: not found\nberth: removing old releases failed\n$/)
    expect(existsSync(layout.release(B))).toBe(true)
    expect(box.pwned()).toEqual([])
  })

  it('does not keep the session waiting while the trash is emptied, and sweeps what an earlier removal left there', async () => {
    const { layout, box } = twoReleases()
    mkdirSync(join(layout.trash, 'left-over'), { recursive: true })
    // A `nice` that takes its time: the command must return before it is done.
    const bin = join(box.base, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'nice'), '#!/bin/sh\nsleep 2\nshift 2\nexec "$@"\n', { mode: 0o755 })
    const started = Date.now()
    const removed = sh(tryRemoveReleases(layout, [A, B]), { cwd: box.base, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } })
    expect(removed).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(Date.now() - started).toBeLessThan(1500)
    expect(readdirSync(layout.releases)).toEqual([])
    expect(readdirSync(layout.manifests)).toEqual([])
    expect(existsSync(layout.trash)).toBe(true)
    expect(await trashEmptied(layout)).toBe(true)
    expect(box.pwned()).toEqual([])
  })

  it('removes in place where the rename into the trash fails', () => {
    const { layout, box } = twoReleases()
    const bin = join(box.base, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'mv'), '#!/bin/sh\nexit 1\n', { mode: 0o755 })
    const removed = sh(removeReleases(layout, [A]), { cwd: box.base, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } })
    expect(removed).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(readdirSync(layout.releases)).toEqual([B])
    expect([layout.manifest(A), layout.files(A), layout.blobList(A)].filter((f) => existsSync(f))).toEqual([])
    expect(box.pwned()).toEqual([])
  })
})
