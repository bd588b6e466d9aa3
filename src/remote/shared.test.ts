import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostileHost } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { ensureLayout } from './directories.js'
import { linkShared, setupLayout } from './shared.js'


const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'


describe('shared entries', () => {
  it('are seeded once, then linked, two lines each', () => {
    expect(linkShared(layoutFor('/srv/shop'), A, { files: ['.env'], dirs: ['log'] })).toBe(
      [
        `if [ ! -e /srv/shop/shared/log ] && [ ! -L /srv/shop/shared/log ]; then mkdir -p /srv/shop/shared && if [ -e /srv/shop/releases/${A}/log ] && [ ! -L /srv/shop/releases/${A}/log ]; then cp -Rp /srv/shop/releases/${A}/log /srv/shop/shared/log; else mkdir -p /srv/shop/shared/log; fi || exit 1; fi`,
        `rm -rf /srv/shop/releases/${A}/log && mkdir -p /srv/shop/releases/${A} && ln -s /srv/shop/shared/log /srv/shop/releases/${A}/log || exit 1`,
        `if [ ! -e /srv/shop/shared/.env ] && [ ! -L /srv/shop/shared/.env ]; then mkdir -p /srv/shop/shared && if [ -e /srv/shop/releases/${A}/.env ] && [ ! -L /srv/shop/releases/${A}/.env ]; then cp -Rp /srv/shop/releases/${A}/.env /srv/shop/shared/.env; else : > /srv/shop/shared/.env; fi || exit 1; fi`,
        `rm -rf /srv/shop/releases/${A}/.env && mkdir -p /srv/shop/releases/${A} && ln -s /srv/shop/shared/.env /srv/shop/releases/${A}/.env || exit 1`,
      ].join('\n'),
    )
    expect(linkShared(layoutFor('/srv/shop'), A, { files: [], dirs: [] })).toBe('')
  })

  it('are linked under a hostile path, seeded from the release once and never overwritten', () => {
    const { layout, run, box } = hostileHost()
    const release = layout.release(A)
    mkdirSync(join(release, 'config'), { recursive: true })
    writeFileSync(join(release, 'config', 'app.env'), 'DEFAULT=1')
    const shared = { files: ['config/app.env', "new $(touch pwned3) 'file'.txt", '-n'], dirs: ['log', 'public/up loads', '*'] }
    expect(run(linkShared(layout, A, shared))).toMatchObject({ code: 0, stderr: '' })
    expect(readFileSync(join(layout.shared, 'config', 'app.env'), 'utf8')).toBe('DEFAULT=1')
    expect(readFileSync(join(layout.shared, "new $(touch pwned3) 'file'.txt"), 'utf8')).toBe('')
    expect(readFileSync(join(layout.shared, '-n'), 'utf8')).toBe('')
    expect(lstatSync(join(layout.shared, '*')).isDirectory()).toBe(true)
    expect(readlinkSync(join(release, 'config', 'app.env'))).toBe(join(layout.shared, 'config', 'app.env'))
    expect(readlinkSync(join(release, 'public', 'up loads'))).toBe(join(layout.shared, 'public', 'up loads'))
    writeFileSync(join(layout.shared, 'config', 'app.env'), 'EDITED=1')
    const next = layout.release(B)
    mkdirSync(join(next, 'config'), { recursive: true })
    writeFileSync(join(next, 'config', 'app.env'), 'DEFAULT=2')
    expect(run(linkShared(layout, B, shared)).code).toBe(0)
    expect(readFileSync(join(next, 'config', 'app.env'), 'utf8')).toBe('EDITED=1')
    expect(readFileSync(join(layout.shared, 'config', 'app.env'), 'utf8')).toBe('EDITED=1')
    expect(box.pwned()).toEqual([])
  })

  it('check every directory above an entry for a symlink first', () => {
    const script = linkShared(layoutFor('/srv/shop'), A, { files: ['config/deep/app.env'], dirs: [] }).split('\n')
    expect(script[0]).toMatch(new RegExp(`^if \\[ -L /srv/shop/releases/${A}/config \\]; then echo 'berth: shared path config/deep/app\\.env: config in the release is a symlink; .*' >&2; exit 68; fi$`))
    expect(script[1]).toMatch(new RegExp(`^if \\[ -L /srv/shop/releases/${A}/config/deep \\]; then echo 'berth: shared path config/deep/app\\.env: config/deep in the release`))
    expect(script[2]).toMatch(/^if \[ ! -e \/srv\/shop\/shared\/config\/deep\/app\.env \]/)
  })

  it('refuse a shared path under a symlink that leads out of the release, touching nothing outside', () => {
    const { layout, run, box } = hostileHost()
    const release = layout.release(A)
    const outside = join(box.base, 'outside $(touch pwned5)')
    mkdirSync(outside, { recursive: true })
    writeFileSync(join(outside, 'app.env'), 'PRECIOUS=1')
    mkdirSync(release, { recursive: true })
    symlinkSync(outside, join(release, 'config'))
    const result = run(linkShared(layout, A, { files: ['config/app.env'], dirs: [] }))
    expect(result.code).toBe(68)
    expect(result.stderr).toContain('berth: shared path config/app.env: config in the release is a symlink')
    expect(readdirSync(outside)).toEqual(['app.env'])
    expect(lstatSync(join(outside, 'app.env')).isFile()).toBe(true)
    expect(readFileSync(join(outside, 'app.env'), 'utf8')).toBe('PRECIOUS=1')
    expect(existsSync(join(layout.shared, 'config'))).toBe(false)
    expect(box.pwned()).toEqual([])
  })

  it('refuse a shared file under a shared directory (already a link) instead of deleting through it', () => {
    const { layout, run } = hostileHost()
    mkdirSync(layout.release(A), { recursive: true })
    mkdirSync(join(layout.shared, 'config'), { recursive: true })
    writeFileSync(join(layout.shared, 'config', 'app.env'), 'KEEP=1')
    const result = run(linkShared(layout, A, { files: ['config/app.env'], dirs: ['config'] }))
    expect(result.code).toBe(68)
    expect(readFileSync(join(layout.shared, 'config', 'app.env'), 'utf8')).toBe('KEEP=1')
  })

  it('never seed shared/ from a symlink in the release', () => {
    const { layout, run } = hostileHost()
    const release = layout.release(A)
    mkdirSync(release, { recursive: true })
    symlinkSync('/etc/hostname', join(release, '.env'))
    expect(run(linkShared(layout, A, { files: ['.env'], dirs: [] })).code).toBe(0)
    expect(lstatSync(join(layout.shared, '.env')).isFile()).toBe(true)
    expect(readFileSync(join(layout.shared, '.env'), 'utf8')).toBe('')
    expect(readlinkSync(join(release, '.env'))).toBe(join(layout.shared, '.env'))
  })

  it('get their directories from setup, with the layout', () => {
    const plain = layoutFor('/srv/shop')
    expect(setupLayout(plain, { files: ['config/app.env', 'config/db.yml', '.env'], dirs: ['log'] })).toBe(
      `${ensureLayout(plain)} && mkdir -p /srv/shop/shared/log /srv/shop/shared/config /srv/shop/shared`,
    )
    const { layout, run, box } = hostileHost()
    expect(run(setupLayout(layout, { files: ["a $(touch pwned4)/b"], dirs: ['log', '-p x'] })).code).toBe(0)
    for (const dir of ['log', '-p x', 'a $(touch pwned4)']) expect(lstatSync(join(layout.shared, dir)).isDirectory()).toBe(true)
    expect(box.pwned()).toEqual([])
  })

  it('leave setup with only the layout to create when there are none', () => {
    expect(setupLayout(layoutFor('/srv/shop'), { files: [], dirs: [] })).toBe(ensureLayout(layoutFor('/srv/shop')))
    const { layout, run } = hostileHost()
    expect(run(setupLayout(layout, { files: [], dirs: [] }))).toMatchObject({ code: 0, stderr: '' })
    expect(lstatSync(layout.releases).isDirectory()).toBe(true)
  })
})
