import { describe, expect, it } from 'vitest'
import { nextTagName } from './tag-name.js'

const december = new Date('2026-12-31T23:59:59Z')
const january = new Date('2027-01-01T00:00:00Z')

describe('the next tag name', () => {
  it('starts each month at 1 and counts past the highest of that month only', () => {
    const tags = ['202612.1', '202612.2', '202612.10', '202611.40', 'v1.0', '202612.x']
    expect(nextTagName('{yyyy}{mm}.{n}', december, tags)).toBe('202612.11')
    expect(nextTagName('{yyyy}{mm}.{n}', january, tags)).toBe('202701.1')
    expect(nextTagName('{yyyy}{mm}.{n}', january, [])).toBe('202701.1')
  })

  it('reads the month in UTC', () => {
    // 23:30 on Dec 31 in UTC-1 is already January in UTC.
    expect(nextTagName('{yyyy}-{mm}', new Date('2027-01-01T00:30:00+01:00'), [])).toBe('2026-12')
    expect(nextTagName('{yyyy}-{mm}', new Date('2026-12-31T23:30:00-01:00'), [])).toBe('2027-01')
  })

  it('takes any template of the placeholders, with what a regular expression would read as special', () => {
    expect(nextTagName('release/{yyyy}.{mm}+{n}', december, ['release/2026.12+3', 'release/2026x12+9'])).toBe('release/2026.12+4')
    expect(nextTagName('v{n}', december, ['v1', 'v2', 'v10', 'v2b'])).toBe('v11')
    expect(nextTagName('{n}-{yyyy}-{n}', december, ['3-2026-3', '9-2026-4'])).toBe('4-2026-4')
  })
})
