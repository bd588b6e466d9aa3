import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, readlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostileHost } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { packReleaseFiles } from './artifact.js'

const A = '20260101T000000-aaaaaaa'

describe('packReleaseFiles', () => {
  it('is one quoted cd and a tar of the paths on stdin, base64-encoded', () => {
    expect(packReleaseFiles(layoutFor('/srv/shop'), A)).toBe(`cd /srv/shop/releases/${A} && tar -c -f - --no-recursion --null -T - | base64`)
  })

  it('under sh, in a hostile deploy path, packs exactly the paths named, whatever bytes they hold', () => {
    const { layout, run, box } = hostileHost()
    const release = layout.release(A)
    const hostile = "it's $(touch pwned) `x`\nline"
    mkdirSync(join(release, 'sub dir'), { recursive: true })
    writeFileSync(join(release, hostile), 'odd\n')
    writeFileSync(join(release, 'sub dir', 'a.js'), 'a\n')
    writeFileSync(join(release, 'left out'), 'no\n')
    symlinkSync('sub dir/a.js', join(release, 'link'))
    const result = run(packReleaseFiles(layout, A), Buffer.from([hostile, 'sub dir/a.js', 'link'].map((p) => `${p}\0`).join('')))
    expect(result.code, result.stderr).toBe(0)
    const out = mkdtempSync(join(tmpdir(), 'berth-unpack-'))
    try {
      const untar = spawnSync('tar', ['-x', '-f', '-', '-C', out], { input: Buffer.from(result.stdout, 'base64') })
      expect(untar.status).toBe(0)
      expect(readFileSync(join(out, hostile), 'utf8')).toBe('odd\n')
      expect(readFileSync(join(out, 'sub dir', 'a.js'), 'utf8')).toBe('a\n')
      expect(readlinkSync(join(out, 'link'))).toBe('sub dir/a.js')
      expect(() => readFileSync(join(out, 'left out'))).toThrow()
      expect(box.pwned()).toEqual([])
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
