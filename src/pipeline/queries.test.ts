import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../config/types.js'
import { deployEntry } from '../history/entry.js'
import { getHistory, getOverview, getStatus, listReleases } from './queries.js'

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

describe('status and releases say what is really there', () => {
  const R1 = '20300101T120001-aaaaaaa'
  const R2 = '20300101T120002-bbbbbbb'
  const record = (release: string, state = 'active') => `${JSON.stringify({ release, state, revision: 'f00dfeed1234abcd', ref: 'main', createdAt: '', updatedAt: '', deployedBy: '' })}\n`
  const status = async () => {
    const [host] = (await getStatus(config())).hosts
    if (!host?.ok) throw new Error('the host could not be read')
    return host.value
  }
  const manifests = () => {
    mkdirSync(join(deployTo, '.berth', 'releases'), { recursive: true })
    return join(deployTo, '.berth', 'releases')
  }

  it('a live release whose directory is gone is broken, not live', async () => {
    mkdirSync(join(deployTo, 'releases'))
    writeFileSync(join(manifests(), `${R1}.json`), record(R1))
    symlinkSync(`releases/${R1}`, join(deployTo, 'current'))
    expect(await status()).toMatchObject({ current: R1, currentKind: 'broken', currentLink: `releases/${R1}`, revision: 'f00dfeed1234abcd' })
    mkdirSync(join(deployTo, 'releases', R1))
    expect((await status()).currentKind).toBe('live')
  })

  it('a real directory at current is a directory, not "none"; a link to no release is foreign', async () => {
    mkdirSync(join(deployTo, 'current'))
    expect(await status()).toMatchObject({ current: null, currentKind: 'directory', currentLink: null })
    rmSync(join(deployTo, 'current'), { recursive: true })
    // A Capistrano release is adopted: live, and said to be Capistrano's.
    mkdirSync(join(deployTo, 'releases', '20231201120000'), { recursive: true })
    symlinkSync(join(deployTo, 'releases', '20231201120000'), join(deployTo, 'current'))
    expect(await status()).toMatchObject({ current: '20231201120000', currentKind: 'live', currentMadeBy: 'capistrano', currentLink: join(deployTo, 'releases', '20231201120000') })
    rmSync(join(deployTo, 'current'))
    mkdirSync(join(deployTo, 'app-v1'))
    symlinkSync(join(deployTo, 'app-v1'), join(deployTo, 'current'))
    expect(await status()).toMatchObject({ current: null, currentKind: 'foreign', currentLink: join(deployTo, 'app-v1') })
    rmSync(join(deployTo, 'current'))
    expect((await status()).currentKind).toBe('none')
  })

  it('a damaged record is unreadable, never a good release', async () => {
    for (const id of [R1, R2]) mkdirSync(join(deployTo, 'releases', id), { recursive: true })
    writeFileSync(join(manifests(), `${R1}.json`), record(R1, 'ready'))
    writeFileSync(join(manifests(), `${R2}.json`), '{"release":"20300101T120002-bbbbbbb","state":"act')
    symlinkSync(`releases/${R2}`, join(deployTo, 'current'))
    expect(await status()).toMatchObject({ current: R2, currentKind: 'live', revision: null, recordUnreadable: true })
    const [host] = (await listReleases(config())).hosts
    expect(host?.ok && host.value.releases.map((r) => [r.id, r.state])).toEqual([
      [R2, 'unreadable'],
      [R1, 'ready'],
    ])
  })

  it('the overview is status and releases together, from one read', async () => {
    for (const id of [R1, R2]) mkdirSync(join(deployTo, 'releases', id), { recursive: true })
    writeFileSync(join(manifests(), `${R1}.json`), record(R1, 'ready'))
    writeFileSync(join(manifests(), `${R2}.json`), record(R2))
    symlinkSync(`releases/${R2}`, join(deployTo, 'current'))
    const overview = await getOverview(config())
    const [host] = overview.hosts
    expect(overview.disagree).toBe(false)
    expect(host?.ok && host.value).toEqual({ ...(await status()), releases: (await listReleases(config())).hosts.flatMap((h) => (h.ok ? h.value.releases : [])) })
  })
})
