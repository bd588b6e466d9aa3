import { describe, expect, it } from 'vitest'
import type { ReleaseRecord, ReleaseState } from '../release/record.js'
import { releasesToRemove } from './retention.js'

const id = (n: number): string => `2026010${n}T000000-abcdef${n}`
function records(states: Record<number, ReleaseState>): Map<string, ReleaseRecord> {
  return new Map(
    Object.entries(states).map(([n, state]) => {
      const release = id(Number(n))
      return [release, { release, state, revision: 'x', ref: 'main', createdAt: '', updatedAt: '', deployedBy: 'me' }]
    }),
  )
}

describe('releasesToRemove', () => {
  it('keeps the newest good releases', () => {
    const all = [1, 2, 3, 4, 5].map(id)
    const recs = records({ 1: 'ready', 2: 'ready', 3: 'ready', 4: 'ready', 5: 'active' })
    expect(releasesToRemove({ releases: all, records: recs, current: id(5), keep: 3 })).toEqual([id(2), id(1)])
  })

  it('does not count failed releases and removes them', () => {
    const all = [1, 2, 3, 4, 5].map(id)
    const recs = records({ 1: 'ready', 2: 'failed', 3: 'failed', 4: 'failed', 5: 'active' })
    // keep 2: current (5) and the last good one (1), even though failed ones are newer.
    expect(releasesToRemove({ releases: all, records: recs, current: id(5), keep: 2 })).toEqual([id(4), id(3), id(2)])
  })

  it('never removes the current release nor the last good one before it, even with keep 1', () => {
    const all = [1, 2, 3].map(id)
    const recs = records({ 1: 'ready', 2: 'rolled-back', 3: 'active' })
    expect(releasesToRemove({ releases: all, records: recs, current: id(3), keep: 1 })).toEqual([id(2)])
  })

  it('treats releases without a record as good', () => {
    const all = [1, 2, 3].map(id)
    expect(releasesToRemove({ releases: all, records: records({ 3: 'active' }), current: id(3), keep: 2 })).toEqual([id(1)])
  })

  it('counts Capistrano releases (no record) oldest first, by the time in their names', () => {
    const cap = ['20260101101500', '20260102101500', '20260104101500']
    const mine = id(4)
    const recs = records({ 4: 'active' })
    // 20260104101500 is newer than berth's 20260104T000000…, though it sorts before it as a plain
    // string: the newest two are it and the live one, and the last good one before the live one is 20260102….
    expect(releasesToRemove({ releases: [...cap, mine], records: recs, current: mine, keep: 2 })).toEqual([cap[0]])
    // The live Capistrano release and the last good one before it stay, whatever keep says.
    expect(releasesToRemove({ releases: cap, records: new Map(), current: cap[2]!, keep: 1 })).toEqual([cap[0]])
  })
})
