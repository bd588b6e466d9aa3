import { describe, expect, it } from 'vitest'
import { settleAll, startBounded } from './pool.js'

describe('settleAll', () => {
  it('never runs more than the limit at once and settles every item', async () => {
    let running = 0
    let peak = 0
    const results = await settleAll([1, 2, 3, 4, 5, 6], 2, async (n) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, 5))
      running--
      if (n === 3) throw new Error('three')
      return n * 10
    })
    expect(peak).toBe(2)
    expect(results.map((r) => (r.ok ? r.value : 'failed'))).toEqual([10, 20, 'failed', 40, 50, 60])
  })
})

describe('startBounded', () => {
  it('hands back every promise at once but runs at most the limit at a time', async () => {
    let running = 0
    let peak = 0
    const promises = startBounded([1, 2, 3, 4], 2, async (n) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setTimeout(r, 5))
      running--
      if (n === 2) throw new Error('two')
      return n
    })
    expect(promises.size).toBe(4)
    await expect(promises.get(2)).rejects.toThrow('two')
    expect(await promises.get(4)).toBe(4)
    expect(peak).toBe(2)
  })
})

describe('a concurrency that is not a whole number ≥ 1', () => {
  it.each([Number.NaN, 0, -1, 1.5, Number.POSITIVE_INFINITY])('is a bug, not an empty run (%s)', async (concurrency) => {
    let ran = 0
    await expect(settleAll([1, 2], concurrency, async () => ran++)).rejects.toMatchObject({ code: 'BUG' })
    expect(() => startBounded([1, 2], concurrency, async () => ran++)).toThrow(/whole number/)
    expect(ran).toBe(0)
  })
})
