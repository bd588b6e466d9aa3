import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, sh, type Sandbox } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { discardPartialRelease } from './partial-release.js'

let box: Sandbox | undefined
afterEach(() => box?.cleanup())

const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'

describe('a partial release', () => {
  it('loses its tree and file list, keeps its record', () => {
    expect(discardPartialRelease(layoutFor('/srv/shop'), A)).toBe(`rm -rf /srv/shop/releases/${A} /srv/shop/releases/.${A}.delivery /srv/shop/.berth/releases/${A}.files /srv/shop/.berth/releases/${A}.paths`)
  })

  it('is removed under a hostile path, and nothing else is', () => {
    box = createSandbox()
    const layout = layoutFor(box.deployTo)
    for (const id of [A, B]) {
      mkdirSync(join(layout.release(id), 'sub'), { recursive: true })
      writeFileSync(join(layout.release(id), 'sub', 'big.bin'), 'x')
      mkdirSync(layout.manifests, { recursive: true })
      writeFileSync(layout.manifest(id), '{"state":"preparing"}')
      writeFileSync(layout.files(id), 'list')
      // An upload cut off mid-way leaves its delivery files beside the release too.
      mkdirSync(layout.delivery(id), { recursive: true })
    }
    expect(sh(discardPartialRelease(layout, A), { cwd: box.base })).toMatchObject({ code: 0, stderr: '' })
    expect(existsSync(layout.release(A))).toBe(false)
    expect(existsSync(layout.files(A))).toBe(false)
    expect(existsSync(layout.delivery(A))).toBe(false)
    expect(existsSync(layout.delivery(B))).toBe(true)
    expect(readFileSync(layout.manifest(A), 'utf8')).toBe('{"state":"preparing"}')
    expect(existsSync(join(layout.release(B), 'sub', 'big.bin'))).toBe(true)
    expect(existsSync(layout.files(B))).toBe(true)
    expect(box.pwned()).toEqual([])
  })
})
