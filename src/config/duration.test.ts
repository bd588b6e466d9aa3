import { describe, expect, it } from 'vitest'
import { parseDuration } from './duration.js'

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['2m30s', 150_000],
    [30, 30_000],
    [0.25, 250],
    [0, 0],
  ])('%s → %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms)
  })

  it.each(['', '30', '5x', 's', '1h 30m', '-5s', 'ms'])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined()
  })

  it('rejects negative and non-finite numbers', () => {
    expect(parseDuration(-1)).toBeUndefined()
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined()
  })
})
