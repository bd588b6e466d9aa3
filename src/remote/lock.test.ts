import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HOSTILE_VALUES, hostileHost } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { shellQuote } from '../transport/quote.js'
import { breakLock, releaseLock, takeLock, touchHeartbeat } from './lock.js'



const holder = { user: 'ann', machine: 'm1', pid: 1, since: 'now', token: 't-1', reason: `it's "urgent" $(touch pwned1) \`touch pwned2\`` }

describe('the lock', () => {
  it('is freed, forced and refreshed by commands that check the token with builtins', () => {
    const layout = layoutFor('/srv/shop')
    const holds = `{ IFS= read -r __berth_token < /srv/shop/.berth/lock/token; } 2>/dev/null && [ "$__berth_token" = abc ]`
    expect(releaseLock(layout, 'abc')).toBe(`if ${holds}; then rm -rf /srv/shop/.berth/lock; fi`)
    expect(breakLock(layout, 'abc')).toBe(releaseLock(layout, 'abc'))
    expect(breakLock(layout)).toBe('rm -rf /srv/shop/.berth/lock')
    expect(touchHeartbeat(layout, 'abc')).toBe(`${holds} && date +%s > /srv/shop/.berth/lock/heartbeat`)
    expect(releaseLock(layout, "it's")).toContain(`[ "$__berth_token" = 'it'\\''s' ]`)
  })

  it('is taken once; a second taker sees the holder; only the token frees it', () => {
    const { layout, run, box } = hostileHost()
    const first = run(takeLock(layout, holder))
    expect(first).toMatchObject({ code: 0, stdout: '@lock acquired\n' })
    expect(JSON.parse(readFileSync(join(layout.lock, 'info.json'), 'utf8'))).toEqual(holder)
    expect(readFileSync(join(layout.lock, 'token'), 'utf8')).toBe('t-1\n')
    const second = run(takeLock(layout, { ...holder, user: 'bob', token: 't-2' }))
    expect(second.stdout).toBe(`@lock held ${JSON.stringify(holder)}\n`)
    run(releaseLock(layout, 't-2'))
    expect(existsSync(layout.lock)).toBe(true)
    run(releaseLock(layout, 't-1'))
    expect(existsSync(layout.lock)).toBe(false)
    expect(box.pwned()).toEqual([])
  })

  it('leaves no lock behind when its holder cannot be written (a full disk)', () => {
    const { layout, run } = hostileHost()
    // The host's writes fail once the lock directory exists, as on a disk that just filled up.
    const failing = run(`printf() { return 1; }\n${takeLock(layout, holder)}`)
    expect(failing.code).toBe(1)
    expect(failing.stderr).toContain('berth: could not write the lock (is the disk full?)')
    expect(existsSync(layout.lock)).toBe(false)
    expect(run(takeLock(layout, holder))).toMatchObject({ code: 0, stdout: '@lock acquired\n' })
  })

  it('waits a moment for a lock caught without its files, then reports or takes it', () => {
    const { layout, run } = hostileHost()
    run(takeLock(layout, holder))
    const info = shellQuote(join(layout.lock, 'info.json'))
    const heartbeat = shellQuote(join(layout.lock, 'heartbeat'))
    // Caught between its holder's mkdir and the holder's files: wait for them rather than
    // report an unknown (and so seemingly stale) holder.
    run(`rm -f ${heartbeat} ${info}`)
    const late = `(sleep 0.3; printf '%s\\n' '{"user":"ann"}' > ${info}; date +%s > ${heartbeat}) &`
    expect(run(`${late}\n${takeLock(layout, { ...holder, user: 'cy', token: 't-3' })}`).stdout).toBe('@lock held {"user":"ann"}\n')
    // ...or its last files being removed: then it is gone a moment later, and taken.
    run(`rm -f ${heartbeat} ${info}`)
    const leaving = `(sleep 0.3; rm -rf ${shellQuote(layout.lock)}) &`
    expect(run(`${leaving}\n${takeLock(layout, { ...holder, user: 'cy', token: 't-3' })}`).stdout).toBe('@lock acquired\n')
    run(releaseLock(layout, 't-3'))
    expect(existsSync(layout.lock)).toBe(false)
  })

  it('keeps any token inert, and compares it exactly', () => {
    const { layout, run, box } = hostileHost()
    for (const token of HOSTILE_VALUES.filter((value) => value !== '' && !value.includes('\n'))) {
      expect(run(takeLock(layout, { ...holder, token })).stdout).toBe('@lock acquired\n')
      writeFileSync(join(layout.lock, 'heartbeat'), '1\n')
      expect(run(touchHeartbeat(layout, `${token}x`)).code).toBe(1)
      expect(readFileSync(join(layout.lock, 'heartbeat'), 'utf8')).toBe('1\n')
      expect(run(touchHeartbeat(layout, token)).code).toBe(0)
      expect(readFileSync(join(layout.lock, 'heartbeat'), 'utf8')).toMatch(/^\d{10}\n$/)
      run(releaseLock(layout, '*'))
      expect(existsSync(layout.lock), token).toBe(token === '*' ? false : true)
      run(releaseLock(layout, token))
      expect(existsSync(layout.lock), token).toBe(false)
    }
    expect(box.pwned()).toEqual([])
  })

  it('is forced open whoever holds it', () => {
    const { layout, run } = hostileHost()
    run(takeLock(layout, holder))
    expect(run(breakLock(layout, 'other')).code).toBe(0)
    expect(existsSync(layout.lock)).toBe(true)
    expect(run(breakLock(layout)).code).toBe(0)
    expect(existsSync(layout.lock)).toBe(false)
    rmSync(layout.root, { recursive: true })
    expect(run(breakLock(layout)).code).toBe(0)
  })
})
