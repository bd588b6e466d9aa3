import { chmodSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hostileHost, sh } from '../../test/helpers/sh.js'
import { parseHostState } from '../release/host-state.js'
import { layoutFor } from '../release/layout.js'
import { appendHistoryLine } from './history.js'
import { inspectHost, readLiveFiles } from './inspect.js'
import { listLockHooks } from './lock-hooks.js'
import { takeLock } from './lock.js'
import { writeRecord } from './release.js'
import { switchCurrent } from './switch.js'


const A = '20260101T000000-aaaaaaa'
const B = '20260102T000000-bbbbbbb'
const record = (release: string) => ({ release, state: 'ready' as const, revision: 'r', ref: "it's $(x)", createdAt: '', updatedAt: '', deployedBy: '' })


describe('inspecting a host', () => {
  it('asks for the optional parts only when told to', () => {
    const layout = layoutFor('/srv/shop')
    const bare = inspectHost(layout)
    // The lock's leftover hooks are listed inside its `if` (their own lines and its `fi`).
    const lockHooks = listLockHooks(layout).split('\n').length + 1
    expect(bare.split('\n')).toHaveLength(7 + lockHooks)
    expect(bare.split('\n')[1]).toBe(`if [ ! -d /srv/shop ]; then echo '@absent'; exit 0; fi`)
    expect(bare.endsWith('\nexit 0')).toBe(true)
    expect(bare).not.toMatch(/@history|@files|@gzip|@rollback-hook/)
    const full = inspectHost(layout, { withHistory: true, withFiles: true, withRollbackHooks: true })
    expect(full.split('\n')).toHaveLength(14 + lockHooks)
    expect(full).toContain(`[ -f /srv/shop/.berth/history.jsonl ] && printf '@history %s\\n' "$(tail -n 1 /srv/shop/.berth/history.jsonl)"`)
    expect(readLiveFiles(layout, A)).toBe(`if [ -d /srv/shop/releases/${A} ] && [ -f /srv/shop/.berth/releases/${A}.files ]; then cat /srv/shop/.berth/releases/${A}.files; fi`)
  })

  it('says a host without deployTo is absent', () => {
    const { layout, run } = hostileHost()
    const out = run(inspectHost(layout, { withHistory: true, withFiles: true, withRollbackHooks: true }))
    expect(out.code).toBe(0)
    expect(out.stdout).toMatch(/^@now \d+\n@absent\n$/)
    expect(parseHostState(out.stdout).exists).toBe(false)
  })

  it('reads back everything under a hostile path', () => {
    const { layout, run, box } = hostileHost()
    for (const id of [A, B]) {
      mkdirSync(join(layout.release(id), 'deploy'), { recursive: true })
      expect(run(writeRecord(layout, record(id))).code).toBe(0)
    }
    // A directory that is not a release, and a record file that is not one, are left out.
    mkdirSync(join(layout.releases, 'not-a-release'))
    writeFileSync(join(layout.manifests, 'junk.json'), 'not json\n')
    writeFileSync(layout.files(B), 'a.txt f 420 1 x\n')
    writeFileSync(join(layout.release(A), 'deploy', 'rollback'), '#!/bin/sh\n')
    chmodSync(join(layout.release(A), 'deploy', 'rollback'), 0o755)
    writeFileSync(join(layout.release(A), 'deploy', 'rollback.notify'), '#!/bin/sh\n')
    chmodSync(join(layout.release(A), 'deploy', 'rollback.notify'), 0o755)
    writeFileSync(join(layout.release(B), 'deploy', 'rollback'), 'not executable\n')
    expect(run(switchCurrent(layout, B)).code).toBe(0)
    expect(run(appendHistoryLine(layout, JSON.stringify({ kind: 'deploy', at: 'then', ref: "it's" }))).code).toBe(0)
    const holder = { user: 'ann', machine: 'm', pid: 1, since: 's', token: 't', reason: '$(touch pwned1)' }
    expect(run(takeLock(layout, holder)).stdout).toBe('@lock acquired\n')

    const out = run(inspectHost(layout, { withHistory: true, withFiles: true, withRollbackHooks: true }))
    expect(out).toMatchObject({ code: 0, stderr: '' })
    const state = parseHostState(out.stdout)
    expect(state).toMatchObject({ exists: true, current: B, currentIsDirectory: false, currentHasFiles: true, lastHistory: { kind: 'deploy', at: 'then', ref: "it's" } })
    expect(state.releases.sort()).toEqual([A, B])
    expect([...state.records.values()]).toEqual(expect.arrayContaining([record(A), record(B)]))
    expect(state.records.size).toBe(2)
    expect(state.lock?.holder).toEqual(holder)
    expect(state.lock?.heartbeat).toBeGreaterThan(1_700_000_000)
    expect(state.currentFilesSum).toBe(sh(`printf 'a.txt f 420 1 x\\n' | sha256sum | cut -c1-64`).stdout.trim())
    expect(state.rollbackHooks).toEqual(new Map([[A, ['deploy/rollback', 'deploy/rollback.notify']]]))
    expect(run(readLiveFiles(layout, B)).stdout).toBe('a.txt f 420 1 x\n')
    expect(run(readLiveFiles(layout, A))).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(box.pwned()).toEqual([])
  })

  it('names the files of the live release changed since it was delivered, names full of shell syntax included', () => {
    const { layout, run, box } = hostileHost()
    const names = ['plain.txt', "it's $(touch pwned1).txt", '-dash `touch pwned2`', ' spaced * [a] ', 'shared-link']
    mkdirSync(layout.release(A), { recursive: true })
    mkdirSync(layout.manifests, { recursive: true })
    for (const name of names.slice(0, 4)) writeFileSync(join(layout.release(A), name), 'as delivered')
    symlinkSync('/elsewhere', join(layout.release(A), 'shared-link'))
    writeFileSync(layout.files(A), '')
    writeFileSync(layout.paths(A), `${names.join('\n')}\n`)
    // Delivered a while ago; then two files change on the host (the link step's symlink is not a change).
    const past = new Date(Date.now() - 60_000)
    for (const name of names.slice(0, 4)) utimesSync(join(layout.release(A), name), past, past)
    utimesSync(layout.paths(A), new Date(Date.now() - 30_000), new Date(Date.now() - 30_000))
    writeFileSync(join(layout.release(A), names[1]!), 'changed')
    writeFileSync(join(layout.release(A), names[2]!), 'changed')
    writeFileSync(join(layout.release(A), names[3]!), 'changed')
    expect(run(switchCurrent(layout, A)).code).toBe(0)
    const out = run(inspectHost(layout, { withFiles: true }))
    expect(out).toMatchObject({ code: 0, stderr: '' })
    expect(parseHostState(out.stdout).modifiedFiles).toEqual([names[1], names[2], names[3]])
    expect(box.pwned()).toEqual([])
  })

  it('tells a real directory at current from a link', () => {
    const { layout, run } = hostileHost()
    mkdirSync(layout.current, { recursive: true })
    expect(parseHostState(run(inspectHost(layout)).stdout)).toMatchObject({ current: null, currentIsDirectory: true })
  })

  it('keeps the exact text of a link berth did not make, and says when it leads nowhere', () => {
    const { layout, run } = hostileHost()
    mkdirSync(layout.root, { recursive: true })
    symlinkSync('/srv/app/releases/20231201120000', layout.current)
    const foreign = parseHostState(run(inspectHost(layout)).stdout)
    expect(foreign).toMatchObject({ current: '20231201120000', currentLink: '/srv/app/releases/20231201120000', currentDangling: true, currentIsDirectory: false })
    rmSync(layout.current)
    mkdirSync(layout.release(A), { recursive: true })
    expect(run(switchCurrent(layout, A)).code).toBe(0)
    expect(parseHostState(run(inspectHost(layout)).stdout)).toMatchObject({ current: A, currentLink: `releases/${A}`, currentDangling: false })
  })

  it('knows which releases are complete (have REVISION) and which records cannot be read', () => {
    const { layout, run } = hostileHost()
    for (const id of [A, B]) {
      mkdirSync(layout.release(id), { recursive: true })
      expect(run(writeRecord(layout, record(id))).code).toBe(0)
    }
    writeFileSync(join(layout.release(A), 'REVISION'), 'abc\n')
    // B's record cut off mid-write; C's names another release; D's is empty; E's has no state berth knows.
    const C = '20260103T000000-ccccccc'
    const D = '20260104T000000-ddddddd'
    const E = '20260105T000000-eeeeeee'
    writeFileSync(layout.manifest(B), '{"release":"20260102T000000-bbbbbbb","sta')
    writeFileSync(layout.manifest(C), `${JSON.stringify(record(A))}\n`)
    writeFileSync(layout.manifest(D), '')
    writeFileSync(layout.manifest(E), `${JSON.stringify({ ...record(E), state: 'great' })}\n`)
    const state = parseHostState(run(inspectHost(layout)).stdout)
    expect([...state.complete]).toEqual([A])
    expect([...state.records.keys()]).toEqual([A])
    expect([...state.unreadableRecords].sort()).toEqual([B, C, D, E])
  })
})
