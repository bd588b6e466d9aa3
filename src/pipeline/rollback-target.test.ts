import { describe, expect, it } from 'vitest'
import type { HostState } from '../release/host-state.js'
import type { ReleaseRecord } from '../release/record.js'
import { chooseRollbackTarget } from './rollback-target.js'

const R1 = '20300101T120001-aaaaaaa'
const R2 = '20300101T120002-bbbbbbb'
const R3 = '20300101T120003-ccccccc'

function host(name: string, current: string, releases: string[]): { host: string; state: HostState } {
  const records = new Map<string, ReleaseRecord>(
    releases.map((id) => [id, { release: id, state: id === current ? 'active' : 'ready', revision: '', ref: '', createdAt: '', updatedAt: '', deployedBy: '' }]),
  )
  return {
    host: name,
    state: { exists: true, current, currentIsDirectory: false, releases, records, lock: null, now: 0, lastHistory: null, currentHasFiles: false, currentFilesSum: null, gzip: false, rollbackHooks: new Map() },
  }
}

describe('chooseRollbackTarget', () => {
  it('goes to the newest good release before current that every host has', () => {
    expect(chooseRollbackTarget([host('web1', R3, [R1, R2, R3]), host('web2', R3, [R1, R2, R3])])).toBe(R2)
    expect(chooseRollbackTarget([host('web1', R3, [R1, R2, R3]), host('web2', R3, [R1, R3])])).toBe(R1)
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
  })
})
