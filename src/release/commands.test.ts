import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, existsSync, lstatSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EXIT, ensureLayout, linkShared, receiveRelease, releaseLock, switchCurrent, takeLock, writeRecord } from './commands.js'
import { layoutFor } from './layout.js'
import { shellQuote } from '../transport/quote.js'

const sh = (script: string): { code: number; out: string } => {
  try {
    return { code: 0, out: execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) }
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string }
    return { code: e.status, out: e.stdout + e.stderr }
  }
}

let base = ''
afterEach(() => rmSync(base, { recursive: true, force: true }))
const hostile = () => {
  base = mkdtempSync(join(tmpdir(), 'berth-cmd-'))
  // A deploy path with spaces, quotes and shell syntax in it must behave like any other.
  return layoutFor(join(base, `it's a "srv" $(touch pwned);x`))
}

describe('host commands', () => {
  it('builds plain commands for plain paths', () => {
    const layout = layoutFor('/srv/shop')
    expect(switchCurrent(layout, '20261123T171500-4634f44')).toContain(
      'rm -f /srv/shop/.current.20261123T171500-4634f44.tmp; } && ln -s releases/20261123T171500-4634f44 /srv/shop/.current.20261123T171500-4634f44.tmp && mv -T /srv/shop/.current.20261123T171500-4634f44.tmp /srv/shop/current',
    )
    expect(releaseLock(layout, 'abc')).toBe(
      `if { IFS= read -r __berth_token < /srv/shop/.berth/lock/token; } 2>/dev/null && [ "$__berth_token" = abc ]; then rm -rf /srv/shop/.berth/lock; fi`,
    )
  })

  it('creates the layout under a hostile path, and again with nothing to do', () => {
    const layout = hostile()
    expect(ensureLayout(layoutFor('/srv/shop'))).toBe(
      '{ [ -d /srv/shop/releases ] && [ -d /srv/shop/shared ] && [ -d /srv/shop/.berth/releases ] || mkdir -p /srv/shop/releases /srv/shop/shared /srv/shop/.berth/releases; }',
    )
    expect(sh(ensureLayout(layout)).code).toBe(0)
    for (const dir of [layout.releases, layout.shared, layout.manifests]) expect(lstatSync(dir).isDirectory()).toBe(true)
    expect(sh(ensureLayout(layout)).code).toBe(0)
  })

  it('switches current atomically under a hostile path, and back', () => {
    const layout = hostile()
    mkdirSync(layout.release('20260101T000000-aaaaaaa'), { recursive: true })
    mkdirSync(layout.release('20260102T000000-bbbbbbb'), { recursive: true })
    expect(sh(switchCurrent(layout, '20260101T000000-aaaaaaa')).code).toBe(0)
    expect(readlinkSync(layout.current)).toBe('releases/20260101T000000-aaaaaaa')
    expect(sh(switchCurrent(layout, '20260102T000000-bbbbbbb')).code).toBe(0)
    expect(readlinkSync(layout.current)).toBe('releases/20260102T000000-bbbbbbb')
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false)
  })

  it('refuses a real directory at current and leaves it alone', () => {
    const layout = hostile()
    mkdirSync(layout.release('20260101T000000-aaaaaaa'), { recursive: true })
    mkdirSync(layout.current)
    writeFileSync(join(layout.current, 'keep'), 'data')
    const result = sh(switchCurrent(layout, '20260101T000000-aaaaaaa'))
    expect(result.code).toBe(EXIT.currentIsDirectory)
    expect(result.out).toContain('is a real directory')
    expect(readFileSync(join(layout.current, 'keep'), 'utf8')).toBe('data')
  })

  it('refuses to switch to a release that is not there', () => {
    const layout = hostile()
    mkdirSync(layout.releases, { recursive: true })
    expect(sh(switchCurrent(layout, '20260101T000000-aaaaaaa')).code).toBe(EXIT.releaseMissing)
    expect(existsSync(layout.current)).toBe(false)
  })

  it('takes the lock once; a second taker sees the holder; only the token frees it', () => {
    const layout = hostile()
    const holder = { user: 'ann', machine: 'm1', pid: 1, since: 'now', token: 't-1', reason: `it's "urgent"` }
    expect(sh(takeLock(layout, holder)).out).toContain('@lock acquired')
    const second = sh(takeLock(layout, { ...holder, user: 'bob', token: 't-2' }))
    expect(second.out).toContain('@lock held')
    expect(second.out).toContain('"user":"ann"')
    sh(releaseLock(layout, 't-2'))
    expect(existsSync(layout.lock)).toBe(true)
    // A lock caught between its holder's mkdir and the holder's files: wait for them rather
    // than report an unknown (and so seemingly stale) holder.
    sh(`rm -f ${shellQuote(join(layout.lock, 'heartbeat'))} ${shellQuote(join(layout.lock, 'info.json'))}`)
    const late = `(sleep 0.3; printf '%s\\n' '{"user":"ann"}' > ${shellQuote(join(layout.lock, 'info.json'))}; date +%s > ${shellQuote(join(layout.lock, 'heartbeat'))}) &`
    const third = sh(`${late}\n${takeLock(layout, { ...holder, user: 'cy', token: 't-3' })}`)
    expect(third.out).toContain('@lock held {"user":"ann"}')
    // ...or its last files being removed: then it is gone a moment later, and taken.
    sh(`rm -f ${shellQuote(join(layout.lock, 'heartbeat'))} ${shellQuote(join(layout.lock, 'info.json'))}`)
    const leaving = `(sleep 0.3; rm -rf ${shellQuote(layout.lock)}) &`
    expect(sh(`${leaving}\n${takeLock(layout, { ...holder, user: 'cy', token: 't-3' })}`).out).toContain('@lock acquired')
    sh(releaseLock(layout, 't-3'))
    expect(existsSync(layout.lock)).toBe(false)
  })

  it('links shared entries, seeding them from the release once and never overwriting', () => {
    const layout = hostile()
    const release = layout.release('20260101T000000-aaaaaaa')
    mkdirSync(join(release, 'config'), { recursive: true })
    writeFileSync(join(release, 'config', 'app.env'), 'DEFAULT=1')
    const shared = { files: ['config/app.env', 'new file.txt'], dirs: ['log', 'public/uploads'] }
    expect(sh(linkShared(layout, '20260101T000000-aaaaaaa', shared)).code).toBe(0)
    expect(readFileSync(join(layout.shared, 'config', 'app.env'), 'utf8')).toBe('DEFAULT=1')
    expect(lstatSync(join(release, 'config', 'app.env')).isSymbolicLink()).toBe(true)
    expect(lstatSync(join(release, 'public', 'uploads')).isSymbolicLink()).toBe(true)
    writeFileSync(join(layout.shared, 'config', 'app.env'), 'EDITED=1')
    const next = layout.release('20260102T000000-bbbbbbb')
    mkdirSync(join(next, 'config'), { recursive: true })
    writeFileSync(join(next, 'config', 'app.env'), 'DEFAULT=2')
    expect(sh(linkShared(layout, '20260102T000000-bbbbbbb', shared)).code).toBe(0)
    expect(readFileSync(join(next, 'config', 'app.env'), 'utf8')).toBe('EDITED=1')
  })

  it('writes records as valid JSON whatever they hold', () => {
    const layout = hostile()
    const record = { release: '20260101T000000-aaaaaaa', state: 'active' as const, revision: 'x', ref: `x;rm -rf ~ '$(id)'`, createdAt: '', updatedAt: '', deployedBy: 'me' }
    expect(sh(writeRecord(layout, record)).code).toBe(0)
    expect(JSON.parse(readFileSync(layout.manifest(record.release), 'utf8'))).toEqual(record)
  })

  it('unpacks a plain or a gzipped stream into the new release, in a path full of shell syntax', () => {
    const layout = hostile()
    const src = join(base, 'src')
    for (const [id, compressed] of [['20260101T000000-aaaaaaa', false], ['20260102T000000-bbbbbbb', true]] as const) {
      // The stream names every entry under the release's own directory.
      mkdirSync(join(src, id, '.berth-delivery'), { recursive: true })
      writeFileSync(join(src, id, 'a.txt'), id)
      writeFileSync(join(src, id, '.berth-delivery', 'files'), `list of ${id}\n`)
      mkdirSync(layout.release(id), { recursive: true })
      mkdirSync(layout.manifests, { recursive: true })
      const pack = `tar -c ${compressed ? '-z ' : ''}-f - -C ${shellQuote(src)} ${id}`
      expect(receiveRelease(layout, id, compressed).startsWith(`tar -x ${compressed ? '-z ' : ''}-i `)).toBe(true)
      expect(sh(`${pack} | { ${receiveRelease(layout, id, compressed)}; }`).code).toBe(0)
      expect(readFileSync(join(layout.release(id), 'a.txt'), 'utf8')).toBe(id)
      expect(readFileSync(layout.files(id), 'utf8')).toBe(`list of ${id}\n`)
      expect(existsSync(join(layout.release(id), '.berth-delivery'))).toBe(false)
    }
  })
})
