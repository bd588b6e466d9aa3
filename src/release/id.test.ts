import { describe, expect, it } from 'vitest'
import { createReleaseId, isReleaseId, sortNewestFirst } from './id.js'

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
