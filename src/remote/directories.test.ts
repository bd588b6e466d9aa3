import { lstatSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, sh, type Sandbox } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { ensureDir, ensureLayout } from './directories.js'

let box: Sandbox | undefined
afterEach(() => box?.cleanup())

describe('directories', () => {
  it('tests before it creates, so a host with the layout starts no process', () => {
    expect(ensureLayout(layoutFor('/srv/shop'))).toBe(
      '{ [ -d /srv/shop/releases ] && [ -d /srv/shop/shared ] && [ -d /srv/shop/.berth/releases ] || mkdir -p /srv/shop/releases /srv/shop/shared /srv/shop/.berth/releases; }',
    )
    expect(ensureDir("/srv/it's")).toBe(`{ [ -d '/srv/it'\\''s' ] || mkdir -p '/srv/it'\\''s'; }`)
  })

  it('creates the layout under a hostile path, and again with nothing to do', () => {
    box = createSandbox()
    const layout = layoutFor(box.deployTo)
    expect(sh(ensureLayout(layout), { cwd: box.base }).code).toBe(0)
    for (const dir of [layout.releases, layout.shared, layout.manifests]) expect(lstatSync(dir).isDirectory()).toBe(true)
    // The second time no mkdir may run: with none on PATH, it would fail.
    expect(sh(ensureLayout(layout), { cwd: box.base, env: { PATH: '/nonexistent' } })).toMatchObject({ code: 0, stderr: '' })
    expect(sh(ensureDir(layout.berth), { cwd: box.base }).code).toBe(0)
    expect(lstatSync(layout.berth).isDirectory()).toBe(true)
    expect(box.pwned()).toEqual([])
  })
})
