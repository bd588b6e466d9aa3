import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostileHost } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { EXIT } from './exit-codes.js'
import type { ReleaseRecord } from '../release/record.js'
import { restoreCurrent, switchCurrent, switchRelease, unsetCurrent } from './switch.js'


const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'


describe('switching current', () => {
  it('is four lines: refuse a directory, refuse a missing release, rename a new link over, check it', () => {
    const layout = layoutFor('/srv/shop')
    expect(switchCurrent(layout, '20261123T171500-4634f44')).toBe(
      [
        `if [ -e /srv/shop/current ] && [ ! -L /srv/shop/current ]; then echo 'berth: /srv/shop/current is a real directory, not a symlink: move it out of the way (berth never deletes it)' >&2; exit 65; fi`,
        `if [ ! -d /srv/shop/releases/20261123T171500-4634f44 ]; then echo 'berth: release 20261123T171500-4634f44 is not on this host' >&2; exit 66; fi`,
        '{ { [ ! -e /srv/shop/.current.20261123T171500-4634f44.tmp ] && [ ! -L /srv/shop/.current.20261123T171500-4634f44.tmp ]; } || rm -f /srv/shop/.current.20261123T171500-4634f44.tmp; } && ln -s -- releases/20261123T171500-4634f44 /srv/shop/.current.20261123T171500-4634f44.tmp && mv -T /srv/shop/.current.20261123T171500-4634f44.tmp /srv/shop/current || exit 1',
        `[ "$(readlink /srv/shop/current)" = releases/20261123T171500-4634f44 ] || { echo 'berth: current does not point at releases/20261123T171500-4634f44 after the switch' >&2; exit 1; }`,
      ].join('\n'),
    )
    expect(unsetCurrent(layout, A)).toBe(`if [ "$(readlink /srv/shop/current)" = releases/${A} ]; then rm -f /srv/shop/current; fi`)
  })

  it('switches atomically under a hostile path, and back', () => {
    const { layout, run, box } = hostileHost()
    mkdirSync(layout.release(A), { recursive: true })
    mkdirSync(layout.release(B), { recursive: true })
    expect(run(switchCurrent(layout, A)).code).toBe(0)
    expect(readlinkSync(layout.current)).toBe(`releases/${A}`)
    expect(run(switchCurrent(layout, B)).code).toBe(0)
    expect(readlinkSync(layout.current)).toBe(`releases/${B}`)
    expect(box.pwned()).toEqual([])
  })

  it('puts back any link text exactly, atomically, under a hostile path', () => {
    const { layout, run, box } = hostileHost()
    mkdirSync(layout.release(B), { recursive: true })
    symlinkSync(`releases/${B}`, layout.current)
    for (const link of ['/srv/app/releases/20231201120000', "-it's $(touch pwned1) a b", `../elsewhere/releases/${A}/`]) {
      expect(run(restoreCurrent(layout, link)), link).toMatchObject({ code: 0, stderr: '' })
      expect(readlinkSync(layout.current)).toBe(link)
    }
    expect(existsSync(join(layout.root, '.current.restore.tmp'))).toBe(false)
    expect(box.pwned()).toEqual([])
  })

  it('refuses a real directory at current and leaves it alone', () => {
    const { layout, run } = hostileHost()
    mkdirSync(layout.release(A), { recursive: true })
    mkdirSync(layout.current)
    writeFileSync(join(layout.current, 'keep'), 'data')
    const result = run(switchCurrent(layout, A))
    expect(result.code).toBe(EXIT.currentIsDirectory)
    expect(result.stderr).toBe(`berth: ${layout.current} is a real directory, not a symlink: move it out of the way (berth never deletes it)\n`)
    expect(readFileSync(join(layout.current, 'keep'), 'utf8')).toBe('data')
  })

  it('refuses to switch to a release that is not there', () => {
    const { layout, run } = hostileHost()
    mkdirSync(layout.releases, { recursive: true })
    expect(run(switchCurrent(layout, A))).toMatchObject({ code: EXIT.releaseMissing, stderr: `berth: release ${A} is not on this host\n` })
    expect(existsSync(layout.current)).toBe(false)
  })

  it('takes current away only while it still points at the failed release', () => {
    const { layout, run, box } = hostileHost()
    mkdirSync(layout.release(A), { recursive: true })
    mkdirSync(layout.release(B), { recursive: true })
    expect(run(switchCurrent(layout, B)).code).toBe(0)
    expect(run(unsetCurrent(layout, A)).code).toBe(0)
    expect(readlinkSync(layout.current)).toBe(`releases/${B}`)
    expect(run(unsetCurrent(layout, B)).code).toBe(0)
    expect(existsSync(layout.current)).toBe(false)
    expect(box.pwned()).toEqual([])
  })
})

describe('switching a new release live', () => {
  const record = (release: string, state: ReleaseRecord['state']): ReleaseRecord => ({
    release,
    state,
    revision: 'r'.repeat(40),
    ref: 'main',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    deployedBy: 'me',
  })
  const at = new Date('2026-01-02T00:00:00.000Z')
  const stateOf = (file: string): string => (JSON.parse(readFileSync(file, 'utf8')) as { state: string }).state

  it('records a release still preparing as ready before current moves to it', () => {
    const command = switchRelease(layoutFor('/srv/shop'), { to: record(B, 'preparing'), from: null, at })
    const ready = command.indexOf('"state":"ready"')
    expect(ready).toBeGreaterThan(-1)
    expect(ready).toBeLessThan(command.indexOf('mv -T'))
    expect(command.indexOf('"state":"active"')).toBeGreaterThan(command.indexOf('mv -T'))
    // A release already complete (a rollback's target) is not written twice.
    expect(switchRelease(layoutFor('/srv/shop'), { to: record(A, 'ready'), from: null, at })).not.toContain('"state":"ready"')
  })

  it('leaves current where it was when the new record cannot be written (a full disk)', () => {
    const { layout, run, box } = hostileHost()
    mkdirSync(layout.release(A), { recursive: true })
    mkdirSync(layout.release(B), { recursive: true })
    expect(run(switchCurrent(layout, A)).code).toBe(0)
    // The record's temp file cannot be created: what `printf >` meets on a full disk.
    mkdirSync(`${layout.manifest(B)}.tmp`, { recursive: true })
    const failed = run(switchRelease(layout, { to: record(B, 'preparing'), from: { record: record(A, 'active'), state: 'ready' }, at }))
    expect(failed.code).not.toBe(0)
    expect(readlinkSync(layout.current)).toBe(`releases/${A}`)
    rmSync(`${layout.manifest(B)}.tmp`, { recursive: true })
    expect(run(switchRelease(layout, { to: record(B, 'preparing'), from: { record: record(A, 'active'), state: 'ready' }, at })).code).toBe(0)
    expect(readlinkSync(layout.current)).toBe(`releases/${B}`)
    expect([stateOf(layout.manifest(B)), stateOf(layout.manifest(A))]).toEqual(['active', 'ready'])
    expect(box.pwned()).toEqual([])
  })
})
