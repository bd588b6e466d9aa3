import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../config/types.js'
import { deployEntry } from '../history/entry.js'
import { getHistory } from './queries.js'

let deployTo = ''
beforeEach(() => {
  deployTo = mkdtempSync(join(tmpdir(), 'berth-history-'))
})
afterEach(() => rmSync(deployTo, { recursive: true, force: true }))

const config = (): ResolvedConfig =>
  ({
    app: 'shop',
    environment: 'production',
    deployTo,
    hosts: [{ name: 'web1', host: 'web1', roles: ['all'], primary: true, transport: 'local' }],
  }) as unknown as ResolvedConfig

describe('getHistory', () => {
  it('lists lines of every age, shows kinds it does not know as written, and skips damaged ones', async () => {
    const lines = [
      // Written before history lines had a version.
      JSON.stringify({ kind: 'deploy', id: 'old', at: '2026-12-01T09:00:00.000Z', environment: 'production', user: 'al', machine: 'm', ref: 'main', sha: 'abc', release: 'r1', hosts: ['web1'], result: 'success', steps: {}, durationMs: 5 }),
      JSON.stringify({ kind: 'lock-broken', at: '2026-12-01T09:30:00.000Z', by: 'al', machine: 'm', holder: { user: 'ghost', machine: 'm', pid: 9, since: 'x', token: 'old-token' }, why: 'gone' }),
      JSON.stringify(deployEntry({ id: 'new', at: '2026-12-01T10:00:00.000Z', user: 'bo', machine: 'n', machineId: 'mid', environment: 'production', ref: 'v2', sha: 'def', release: 'r2', hosts: ['web1'], result: 'failed', failedStep: 'verify', steps: {}, durationMs: 7 })),
      // A kind from a later berth version, and a line cut off mid-write.
      JSON.stringify({ v: 3, kind: 'promote', id: 'future', at: '2026-12-01T11:00:00.000Z', user: 'cy', result: 'success', from: 'staging' }),
      '{"kind":"deploy","at":"2026-12-01T12:',
    ]
    mkdirSync(join(deployTo, '.berth'))
    writeFileSync(join(deployTo, '.berth', 'history.jsonl'), `${lines.join('\n')}\n`)

    const { entries, unreadable } = await getHistory(config())
    expect(unreadable).toEqual([])
    expect(entries.map((entry) => [entry.kind, entry.user, entry.result, entry.hosts])).toEqual([
      ['promote', 'cy', 'success', { web1: 'success' }],
      ['deploy', 'bo', 'failed', { web1: 'failed' }],
      ['lock-broken', 'al', undefined, { web1: '' }],
      ['deploy', 'al', 'success', { web1: 'success' }],
    ])
    expect(entries[1]).toMatchObject({ v: 1, machineId: 'mid', failedStep: 'verify' })
    expect(JSON.stringify(entries)).not.toContain('old-token')
  })
})
