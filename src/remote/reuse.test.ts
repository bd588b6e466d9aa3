import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostileHost } from '../../test/helpers/sh.js'
import type { ReuseEntry } from '../config/types.js'
import { layoutFor, type Layout } from '../release/layout.js'
import { depsName, recordInstalled, REUSED_MARK, reuseDependencies } from './reuse.js'

const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'
const C = '20260103T000000-ccccccc'
const NODE: ReuseEntry = { path: 'node_modules', key: ['package-lock.json', 'yarn.lock'], runtime: 'echo node-20', installers: ['npm ci --omit=dev'] }
/** A directory and a lockfile whose names a shell would act on. */
const HOSTILE: ReuseEntry = { path: "deps $(touch pwned1)/-n 'mods'", key: ["lock `touch pwned2`.json"], runtime: '', installers: ['install; touch pwned3'] }

/** A release with `files`, as the fetch step leaves it. */
function release(layout: Layout, id: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(layout.release(id), path, '..'), { recursive: true })
    writeFileSync(join(layout.release(id), path), text)
  }
}

describe('reusing dependency directories', () => {
  it('is one block per directory: the key, then the copy from the live release when it matches', () => {
    const text = reuseDependencies(layoutFor('/srv/shop'), B, A, [NODE])
    expect(text).toContain(`if [ -f /srv/shop/releases/${B}/package-lock.json ] || [ -f /srv/shop/releases/${B}/yarn.lock ]; then`)
    expect(text).toContain(`key=$(cd /srv/shop/releases/${B} && { for f in package-lock.json yarn.lock; do`)
    expect(text).toContain(`{ echo node-20\n} </dev/null 2>&1; } | sha256sum) || exit 1`)
    expect(text).toContain(`[ "$(cat /srv/shop/.berth/releases/${A}.deps/node_modules)" = "$key" ]`)
    expect(text).toContain(`cp -a --reflink=auto /srv/shop/releases/${A}/node_modules /srv/shop/releases/${B}/node_modules`)
    // Nothing live: only the key.
    expect(reuseDependencies(layoutFor('/srv/shop'), B, null, [NODE])).not.toContain('cp -a')
    expect(reuseDependencies(layoutFor('/srv/shop'), B, A, [])).toBe('')
  })

  it('copies the live directory when the key is unchanged, and the copy is the new release own', () => {
    const { layout, run, box } = hostileHost()
    for (const entry of [NODE, HOSTILE]) {
      const lock = { [entry.key[0]!]: 'lock v1' }
      release(layout, A, { ...lock, [`${entry.path}/pkg/index.js`]: 'one' })
      expect(run(reuseDependencies(layout, A, null, [entry]))).toMatchObject({ code: 0, stdout: '', stderr: '' })
      expect(run(recordInstalled(layout, A, [entry.path])).code).toBe(0)

      release(layout, B, lock)
      const result = run(reuseDependencies(layout, B, A, [entry]))
      expect(result).toMatchObject({ code: 0, stdout: `${REUSED_MARK}${depsName(entry.path)}\n`, stderr: '' })
      expect(readFileSync(join(layout.release(B), entry.path, 'pkg/index.js'), 'utf8')).toBe('one')
      expect(existsSync(join(layout.deps(B), depsName(entry.path)))).toBe(true)
      // A write into the new copy never reaches the live release.
      writeFileSync(join(layout.release(B), entry.path, 'pkg/index.js'), 'patched', { flag: 'a' })
      expect(readFileSync(join(layout.release(A), entry.path, 'pkg/index.js'), 'utf8')).toBe('one')

      // A changed lockfile: nothing copied, the key waits for the install.
      release(layout, C, { [entry.key[0]!]: 'lock v2' })
      expect(run(reuseDependencies(layout, C, B, [entry]))).toMatchObject({ code: 0, stdout: '' })
      expect(existsSync(join(layout.release(C), entry.path))).toBe(false)
      expect(existsSync(join(layout.deps(C), `${depsName(entry.path)}.pending`))).toBe(true)
    }
    expect(box.pwned()).toEqual([])
  })

  it('never copies from a release whose install did not finish, nor without a lockfile, nor through a symlink', () => {
    const { layout, run } = hostileHost()
    release(layout, A, { 'package-lock.json': 'v1', 'node_modules/x': '1' })
    run(reuseDependencies(layout, A, null, [NODE]))
    release(layout, B, { 'package-lock.json': 'v1' })
    expect(run(reuseDependencies(layout, B, A, [NODE])).stdout).toBe('')

    run(recordInstalled(layout, A, ['node_modules']))
    release(layout, C, { 'other.txt': '' })
    expect(run(reuseDependencies(layout, C, A, [NODE]))).toMatchObject({ code: 0, stdout: '' })
    expect(existsSync(layout.deps(C))).toBe(false)

    const nested: ReuseEntry = { ...NODE, path: 'web/node_modules', key: ['web/package-lock.json'] }
    release(layout, A, { 'web/package-lock.json': 'v1', 'web/node_modules/x': '1' })
    run(reuseDependencies(layout, A, null, [nested]))
    run(recordInstalled(layout, A, [nested.path]))
    const outside = join(layout.root, 'outside')
    mkdirSync(outside, { recursive: true })
    mkdirSync(layout.release('20260104T000000-ddddddd'), { recursive: true })
    symlinkSync(outside, join(layout.release('20260104T000000-ddddddd'), 'web'))
    writeFileSync(join(outside, 'package-lock.json'), 'v1')
    expect(run(reuseDependencies(layout, '20260104T000000-ddddddd', A, [nested]))).toMatchObject({ code: 0, stdout: '' })
    expect(existsSync(join(outside, 'node_modules'))).toBe(false)
  })

  it('keys on the runtime and the install command too', () => {
    const { layout, run } = hostileHost()
    release(layout, A, { 'package-lock.json': 'v1', 'node_modules/x': '1' })
    run(reuseDependencies(layout, A, null, [NODE]))
    run(recordInstalled(layout, A, ['node_modules']))
    release(layout, B, { 'package-lock.json': 'v1' })
    expect(run(reuseDependencies(layout, B, A, [{ ...NODE, runtime: 'echo node-22' }])).stdout).toBe('')
    release(layout, C, { 'package-lock.json': 'v1' })
    expect(run(reuseDependencies(layout, C, A, [{ ...NODE, installers: ['npm ci'] }])).stdout).toBe('')
  })
})
