import { describe, expect, it } from 'vitest'
import { settleAll } from './pool.js'

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
