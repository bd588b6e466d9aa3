import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration } from './duration.js'

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999.4, '999ms'],
    [1000, '1.0s'],
    [1234, '1.2s'],
    [59_940, '59.9s'],
    [59_960, '1m00s'],
    [125_000, '2m05s'],
    [3_599_400, '59m59s'],
    [3_720_000, '1h02m'],
    [-5, '0ms'],
    [Number.NaN, '0ms'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [3482, '3.4 KB'],
    [12 * 1024 * 1024, '12.0 MB'],
    [5 * 1024 ** 4, '5.0 TB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})
