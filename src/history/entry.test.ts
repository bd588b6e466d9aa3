import { describe, expect, it } from 'vitest'
import {
  deployEntry,
  historyActor,
  lockBrokenEntry,
  parseHistoryLine,
  rollbackEntry,
  setupEntry,
  unlockForcedEntry,
  type HistoryEntry,
} from './entry.js'

const AT = '2026-12-02T10:00:00.000Z'
const actor = historyActor({ user: 'alice', machine: 'laptop', machineId: 'b1c2' })
const holder = { user: 'bob', machine: 'ci-7', machineId: 'f00d', pid: 4242, since: AT, command: 'deploy', token: 'secret-token-1' }

const built: HistoryEntry[] = [
  deployEntry({
    id: 'run-1',
    at: AT,
    ...actor,
    environment: 'production',
    ref: 'main',
    sha: 'a'.repeat(40),
    release: '20261202T100000Z-aaaaaaa',
    hosts: ['web1', 'web2'],
    result: 'failed',
    failedStep: 'verify',
    steps: { build: 1234.6, switch: 8.2 },
    durationMs: 5000.4,
  }),
  rollbackEntry({ id: 'run-2', at: AT, ...actor, environment: 'production', from: null, hosts: ['web1'], result: 'success', durationMs: 99.5 }),
  setupEntry({ id: 'run-3', at: AT, ...actor, result: 'success' }),
  lockBrokenEntry({ at: AT, ...actor, holder, why: 'its holder is gone' }),
  unlockForcedEntry({ id: 'run-4', at: AT, ...actor, holder: null, result: 'success' }),
  deployEntry({
    id: 'run-5',
    at: AT,
    ...actor,
    environment: 'production',
    ref: 'main',
    sha: 'b'.repeat(40),
    release: '20261202T110000Z-bbbbbbb',
    hosts: ['web1'],
    result: 'success',
    steps: {},
    durationMs: 700,
    tag: '202612.4',
    promotedFrom: 'staging',
  }),
]

describe('history entry builders', () => {
  it('write the version and kind first, whole milliseconds, and no undefined fields', () => {
    const [deploy, rollback] = built
    expect(Object.keys(deploy!).slice(0, 2)).toEqual(['v', 'kind'])
    expect(deploy).toMatchObject({ v: 1, kind: 'deploy', steps: { build: 1235, switch: 8 }, durationMs: 5000, machineId: 'b1c2' })
    expect(rollback).toMatchObject({ v: 1, kind: 'rollback', durationMs: 100 })
    expect(Object.keys(rollback!)).not.toContain('release')
    expect(Object.keys(historyActor({ user: 'a', machine: 'm' }))).toEqual(['user', 'machine'])
  })

  it('keep the lock token out of history', () => {
    const broken = built[3]!
    expect(broken).toMatchObject({ kind: 'lock-broken', holder: { user: 'bob', pid: 4242, machineId: 'f00d' } })
    expect(JSON.stringify(built)).not.toContain('secret-token-1')
    const forced = unlockForcedEntry({ id: 'r', at: AT, ...actor, holder, result: 'success' })
    expect(JSON.stringify(forced)).not.toContain('secret-token-1')
  })

  it('read back as exactly what was written', () => {
    for (const entry of built) expect(parseHistoryLine(JSON.stringify(entry))).toEqual(entry)
  })
})

describe('parseHistoryLine', () => {
  it('reads a deploy line whose tag is not text as a line it does not know', () => {
    const line = JSON.stringify({ ...built.at(-1), tag: 202612.4 })
    expect(parseHistoryLine(line)).toMatchObject({ kind: 'unknown', originalKind: 'deploy' })
  })

  it('reads lines written before entries had a version', () => {
    const deploy = { kind: 'deploy', id: 'x', at: AT, environment: 'staging', user: 'al', machine: 'm', ref: 'main', sha: 'abc', release: 'r1', hosts: ['h'], result: 'success', steps: { lock: 3 }, durationMs: 10 }
    expect(parseHistoryLine(JSON.stringify(deploy))).toEqual({ ...deploy, v: 1 })
    const broken = { kind: 'lock-broken', at: AT, by: 'al', machine: 'm', holder: { user: 'ghost', machine: 'm', pid: 7, since: AT, token: 'old-token' }, why: 'gone' }
    const read = parseHistoryLine(JSON.stringify(broken))
    expect(read).toEqual({ kind: 'lock-broken', v: 1, at: AT, user: 'al', machine: 'm', holder: { user: 'ghost', machine: 'm', pid: 7, since: AT }, why: 'gone' })
  })

  it('hands back kinds and versions it does not know, with their fields, instead of failing', () => {
    const future = { v: 1, kind: 'promote', at: AT, user: 'al', machine: 'm', id: 'p', result: 'success', from: 'staging' }
    expect(parseHistoryLine(JSON.stringify(future))).toEqual({ kind: 'unknown', originalKind: 'promote', v: 1, at: AT, fields: future })
    const newer = { v: 2, kind: 'deploy', at: AT, who: { name: 'al' } }
    expect(parseHistoryLine(JSON.stringify(newer))).toMatchObject({ kind: 'unknown', originalKind: 'deploy', v: 2, fields: newer })
    const renamed = { kind: 'deploy', at: AT, user: 'al', machine: 'm', hosts: 'web1', result: 'success' }
    expect(parseHistoryLine(JSON.stringify(renamed))).toMatchObject({ kind: 'unknown', originalKind: 'deploy', fields: renamed })
    expect(parseHistoryLine(JSON.stringify({ kind: 'toString', at: AT }))).toMatchObject({ kind: 'unknown', originalKind: 'toString' })
  })

  it('skips what is not an entry at all', () => {
    for (const line of ['', '{"kind":"deploy","at":"2026-', 'null', '[1]', '"deploy"', '{"kind":"deploy"}', '{"at":"x"}', '{"kind":3,"at":"x"}']) {
      expect(parseHistoryLine(line), line).toBeNull()
    }
  })
})
