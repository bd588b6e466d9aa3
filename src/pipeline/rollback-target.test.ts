import { describe, expect, it } from 'vitest'
import type { HostState } from '../release/host-state.js'
import type { ReleaseRecord } from '../release/record.js'
import { chooseRollbackTarget } from './rollback-target.js'

const R1 = '20300101T120001-aaaaaaa'
const R2 = '20300101T120002-bbbbbbb'
const R3 = '20300101T120003-ccccccc'

interface Damage {
  /** Releases whose directory has no REVISION. */
  incomplete?: string[]
  /** Releases with no record at all (a stray directory). */
  unrecorded?: string[]
  states?: Record<string, ReleaseRecord['state']>
}

function host(name: string, current: string | null, releases: string[], damage: Damage = {}): { host: string; state: HostState } {
  const records = new Map<string, ReleaseRecord>(
    releases
      .filter((id) => !damage.unrecorded?.includes(id))
      .map((id) => [id, { release: id, state: damage.states?.[id] ?? (id === current ? 'active' : 'ready'), revision: '', ref: '', createdAt: '', updatedAt: '', deployedBy: '' }]),
  )
  const complete = new Set(releases.filter((id) => !damage.incomplete?.includes(id)))
  return {
    host: name,
    state: {
      exists: true,
      current,
      currentLink: current === null ? null : `releases/${current}`,
      currentDangling: false,
      currentIsDirectory: false,
      modifiedFiles: [],
      releases,
      complete,
      revisions: new Map(),
      records,
      unreadableRecords: new Set(),
      lock: null,
      now: 0,
      lastHistory: null,
      currentHasFiles: false,
      currentFilesSum: null,
      gzip: false,
      base64: false,
      rollbackHooks: new Map(),
    },
  }
}

describe('chooseRollbackTarget', () => {
  it('goes to the newest good release before current that every host has', () => {
    expect(chooseRollbackTarget([host('web1', R3, [R1, R2, R3]), host('web2', R3, [R1, R2, R3])])).toBe(R2)
    expect(chooseRollbackTarget([host('web1', R3, [R1, R2, R3]), host('web2', R3, [R1, R3])])).toBe(R1)
  })

  it('after a deploy that went live on some hosts only: every host back to the release they shared', () => {
    // web2's deploy of R3 failed (onFailure: continue): it stayed on R2, where web1 and web3 go back to.
    const hosts = [host('web1', R3, [R1, R2, R3]), host('web2', R2, [R1, R2, R3], { states: { [R3]: 'failed' } }), host('web3', R3, [R1, R2, R3])]
    expect(chooseRollbackTarget(hosts)).toBe(R2)
    // An interrupted rollout: web1 on R3, web2 never got it.
    expect(chooseRollbackTarget([host('web1', R3, [R1, R2, R3]), host('web2', R2, [R1, R2])])).toBe(R2)
    // A host already further back is never moved forward: the others join it.
    expect(chooseRollbackTarget([host('web1', R3, [R1, R2, R3]), host('web2', R1, [R1, R2, R3])])).toBe(R1)
  })

  it('never chooses a stray directory, a rolled-back release or one without a record', () => {
    const R4 = '20300101T120004-ddddddd'
    const hosts = [host('web1', R4, [R1, R2, R3, R4], { unrecorded: [R3], states: { [R2]: 'rolled-back' } }), host('web2', R4, [R1, R2, R3, R4])]
    expect(chooseRollbackTarget(hosts)).toBe(R1)
  })

  it('refuses, naming the hosts, a chosen release whose REVISION is missing there', () => {
    const hosts = [host('web1', R3, [R1, R2, R3]), host('web2', R3, [R1, R2, R3], { incomplete: [R2] }), host('web3', R3, [R1, R2, R3], { incomplete: [R2] })]
    expect(() => chooseRollbackTarget(hosts, undefined, 'production')).toThrow(`release ${R2} is not complete on web2, web3 (it has no REVISION file): berth will not make it live`)
    expect(() => chooseRollbackTarget(hosts, R2)).toThrow(`release ${R2} is not complete on web2, web3`)
    expect(chooseRollbackTarget(hosts, R1)).toBe(R1)
    // --to a directory berth has no record of is allowed when it is complete.
    expect(chooseRollbackTarget([host('web1', R3, [R1, R3], { unrecorded: [R1] })], R1)).toBe(R1)
  })

  it('says what the live link is when it names no berth release', () => {
    const capistrano = host('web1', null, [R1])
    capistrano.state.currentLink = '/srv/app/releases/20231201120000'
    expect(() => chooseRollbackTarget([capistrano])).toThrow('current on web1 points at /srv/app/releases/20231201120000, which is not a release berth made')
    expect(() => chooseRollbackTarget([host('web1', null, [])])).toThrow('nothing is live on web1')
  })

  it('says when the hosts are on different releases, and names the environment in the hint', () => {
    const hosts = [host('web1', R2, [R1, R2]), host('web2', R3, [R2, R3]), host('web3', R1, [R1])]
    expect(() => chooseRollbackTarget(hosts, undefined, 'production')).toThrow(
      `the hosts are on different releases (web1: ${R2}, web2: ${R3}, web3: ${R1}) and no earlier good release is on all of them`,
    )
    try {
      chooseRollbackTarget(hosts, undefined, 'production')
    } catch (error) {
      expect((error as { hint: string }).hint).toBe('list them with `berth releases production` and pick one with --to')
    }
    expect(() => chooseRollbackTarget([host('web1', R1, [R1])], undefined, 'production')).toThrow('no earlier good release is present on every host')
    expect(() => chooseRollbackTarget([host('web1', R2, [R1, R2], { unrecorded: [R1] })])).toThrow(`no earlier good release is present on every host (passed over: ${R1} on web1 has no berth record)`)
  })
})
