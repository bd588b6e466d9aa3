import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, HOSTILE_VALUES, sh, type Sandbox } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import type { ReleaseRecord } from '../release/record.js'
import { shellQuote } from '../transport/quote.js'
import { EXIT } from './exit-codes.js'
import { createRelease, receiveRelease, removeReleases, tryRemoveReleases, writeRecord, writeRevision } from './release.js'
import { script } from './script.js'

let box: Sandbox | undefined
afterEach(() => box?.cleanup())

const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'
const record = (release: string, ref = 'main'): ReleaseRecord => ({ release, state: 'preparing', revision: 'f'.repeat(40), ref, createdAt: 'c', updatedAt: 'u', deployedBy: 'me@m' })

function hostile() {
  box = createSandbox()
  return { layout: layoutFor(box.deployTo), run: (text: string, input?: Buffer) => sh(text, { cwd: box!.base, ...(input ? { input } : {}) }) }
}

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
      `tar -x -i -f - --no-same-owner -C /srv/shop/releases && mv -f /srv/shop/releases/${A}/.berth-delivery/files /srv/shop/.berth/releases/${A}.files && rm -rf /srv/shop/releases/${A}/.berth-delivery`,
    )
    expect(receiveRelease(plain, A, true).startsWith('tar -x -z -i -f - ')).toBe(true)
  })

  it('remove releases with their records, or report and go on', () => {
    expect(removeReleases(plain, [A])).toBe(`rm -rf /srv/shop/releases/${A} /srv/shop/.berth/releases/${A}.json /srv/shop/.berth/releases/${A}.files`)
    expect(removeReleases(plain, [])).toBe(':')
    expect(tryRemoveReleases(plain, [A])).toBe(`${removeReleases(plain, [A])} || echo 'berth: removing old releases failed' >&2`)
    expect(tryRemoveReleases(plain, [])).toBe('')
  })

  it('writes records as valid JSON whatever they hold, in a hostile path', () => {
    const { layout, run } = hostile()
    for (const ref of HOSTILE_VALUES) {
      const written = { ...record(A, ref), deployedBy: `${ref}@${ref}` }
      expect(run(writeRecord(layout, written)).code, ref).toBe(0)
      expect(JSON.parse(readFileSync(layout.manifest(A), 'utf8'))).toEqual(written)
    }
    expect(readdirSync(layout.manifests)).toEqual([`${A}.json`])
    expect(box!.pwned()).toEqual([])
  })

  it('creates a release once: a second try fails with its own exit code and keeps the first record', () => {
    const { layout, run } = hostile()
    expect(run(createRelease(layout, record(A, 'first'))).code).toBe(0)
    expect(existsSync(layout.release(A))).toBe(true)
    const again = run(createRelease(layout, record(A, 'second')))
    expect(again).toMatchObject({ code: EXIT.releaseExists, stderr: `berth: ${layout.release(A)} already exists\n` })
    expect(JSON.parse(readFileSync(layout.manifest(A), 'utf8'))).toMatchObject({ ref: 'first' })
    expect(box!.pwned()).toEqual([])
  })

  it('unpacks a plain or a gzipped stream into the new release, in a path full of shell syntax', () => {
    const { layout, run } = hostile()
    const src = join(box!.base, 'src')
    for (const [id, compressed] of [[A, false], [B, true]] as const) {
      // The stream names every entry under the release's own directory.
      mkdirSync(join(src, id, '.berth-delivery'), { recursive: true })
      writeFileSync(join(src, id, 'a.txt'), id)
      writeFileSync(join(src, id, '.berth-delivery', 'files'), `list of ${id}\n`)
      mkdirSync(layout.release(id), { recursive: true })
      mkdirSync(layout.manifests, { recursive: true })
      const pack = `tar -c ${compressed ? '-z ' : ''}-f - -C ${shellQuote(src)} ${id}`
      expect(run(`${pack} | { ${receiveRelease(layout, id, compressed)}; }`).code).toBe(0)
      expect(readFileSync(join(layout.release(id), 'a.txt'), 'utf8')).toBe(id)
      expect(readFileSync(layout.files(id), 'utf8')).toBe(`list of ${id}\n`)
      expect(existsSync(join(layout.release(id), '.berth-delivery'))).toBe(false)
      expect(run(writeRevision(layout, id, 'abc123')).code).toBe(0)
      expect(readFileSync(join(layout.release(id), 'REVISION'), 'utf8')).toBe('abc123\n')
    }
    expect(box!.pwned()).toEqual([])
  })

  it('removes releases and their records; a failure is a warning, and what follows still runs', () => {
    const { layout, run } = hostile()
    for (const id of [A, B]) {
      mkdirSync(join(layout.release(id), 'sub'), { recursive: true })
      expect(run(writeRecord(layout, record(id))).code).toBe(0)
      writeFileSync(layout.files(id), 'list')
    }
    expect(run(script(tryRemoveReleases(layout, [A]), 'echo next'))).toEqual({ code: 0, stdout: 'next\n', stderr: '' })
    expect([existsSync(layout.release(A)), existsSync(layout.manifest(A)), existsSync(layout.files(A))]).toEqual([false, false, false])
    expect([existsSync(layout.release(B)), existsSync(layout.manifest(B))]).toEqual([true, true])
    // No rm on the PATH: the removal fails (permissions would not stop root).
    const failing = sh(script(tryRemoveReleases(layout, [B]), 'echo next'), { cwd: box!.base, env: { PATH: '/nonexistent' } })
    expect(failing).toMatchObject({ code: 0, stdout: 'next\n' })
    expect(failing.stderr).toMatch(/rm: not found\nberth: removing old releases failed\n$/)
    expect(existsSync(layout.release(B))).toBe(true)
    expect(box!.pwned()).toEqual([])
  })
})
