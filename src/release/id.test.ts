import { describe, expect, it } from 'vitest'
import { compareReleases, createReleaseId, isCapistranoId, isReleaseId, nextReleaseId, sortNewestFirst } from './id.js'

describe('release ids', () => {
  it('is UTC basic time plus the short sha', () => {
    const id = createReleaseId(new Date('2026-11-23T17:15:00.123Z'), '4634f44aa0c1d2e3')
    expect(id).toBe('20261123T171500-4634f44')
    expect(isReleaseId(id)).toBe(true)
  })
  it('rejects other names', () => {
    expect(isReleaseId('current')).toBe(false)
    expect(isReleaseId('20261123T171500-4634f44;rm')).toBe(false)
  })
  it('sorts newest first', () => {
    expect(sortNewestFirst(['20261123T171500-aaaaaaa', '20261124T000000-bbbbbbb', '20250101T000000-ccccccc'])).toEqual([
      '20261124T000000-bbbbbbb',
      '20261123T171500-aaaaaaa',
      '20250101T000000-ccccccc',
    ])
  })
})

describe('Capistrano release names', () => {
  it('are releases, told apart from berth\'s', () => {
    expect(isReleaseId('20261120101500')).toBe(true)
    expect(isCapistranoId('20261120101500')).toBe(true)
    expect(isCapistranoId('20261123T171500-4634f44')).toBe(false)
    expect(isReleaseId('2026112010150')).toBe(false)
    expect(isReleaseId('20261120101500;rm')).toBe(false)
  })
  it('sort by the time in their names among berth\'s, not as plain strings', () => {
    // As strings, "20261123101500" < "20261123T090000-…" although it is an hour later.
    expect(sortNewestFirst(['20261123T090000-aaaaaaa', '20261123101500', '20261122235959', '20261123T110000-bbbbbbb'])).toEqual([
      '20261123T110000-bbbbbbb',
      '20261123101500',
      '20261123T090000-aaaaaaa',
      '20261122235959',
    ])
    expect(compareReleases('20261123101500', '20261123T101500-aaaaaaa')).toBeLessThan(0)
  })
  it('are never followed by a berth release that sorts before them', () => {
    expect(nextReleaseId(new Date('2026-11-23T10:15:00Z'), '4634f44aa0c1d2e3', ['20261123101505'])).toBe('20261123T101506-4634f44')
  })
})

describe('nextReleaseId', () => {
  const sha = '4634f44aa0c1d2e3'
  const now = new Date('2026-11-23T17:15:00.500Z')
  it('is the current second when nothing newer is taken', () => {
    expect(nextReleaseId(now, sha, [])).toBe('20261123T171500-4634f44')
    expect(nextReleaseId(now, sha, ['20261123T171459-aaaaaaa', 'not-a-release'])).toBe('20261123T171500-4634f44')
  })
  it('moves one second past a name taken in the same second, whatever its sha', () => {
    expect(nextReleaseId(now, sha, ['20261123T171500-4634f44'])).toBe('20261123T171501-4634f44')
    expect(nextReleaseId(now, sha, ['20261123T171500-bbbbbbb'])).toBe('20261123T171501-4634f44')
  })
  it('sorts after releases named by a clock that was ahead, across day and year ends', () => {
    expect(nextReleaseId(now, sha, ['20261123T171503-aaaaaaa', '20261123T171400-ccccccc'])).toBe('20261123T171504-4634f44')
    expect(nextReleaseId(now, sha, ['20261231T235959-aaaaaaa'])).toBe('20270101T000000-4634f44')
  })
})
