import { describe, expect, it } from 'vitest'
import { rolloutBatches } from './rollout.js'

describe('rolloutBatches', () => {
  it('is one batch without a rollout', () => {
    expect(rolloutBatches([1, 2, 3])).toEqual([[1, 2, 3]])
  })
  it('splits hosts in config order', () => {
    expect(rolloutBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]])
  })
})
