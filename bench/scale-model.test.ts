import { describe, expect, it } from 'vitest'
import { DEFAULT_ASSUMPTIONS, crossover, estimate, type ModeCosts, type ModelMode, type Network } from './scale-model.js'

const MB = 1024 * 1024
const laptop: Network = { name: 'laptop', uplinkBytesPerS: 100e6 / 8, rttS: 0.03 }
const dc: Network = { name: 'dc', uplinkBytesPerS: 10e9 / 8, rttS: 0.0005 }
const control = 100 * 1024
const costs: Record<ModelMode, ModeCosts> = {
  direct: { deployerCpuMs: 50, onceBytes: 0, perHostBytes: 30 * MB + control, hostWorkMs: 300, payloadBytes: 30 * MB },
  relay: { deployerCpuMs: 50, onceBytes: 30 * MB, perHostBytes: control, hostWorkMs: 300, payloadBytes: 30 * MB, relayCpuMs: 40 },
  store: { deployerCpuMs: 50, onceBytes: 30 * MB, perHostBytes: control, hostWorkMs: 400, payloadBytes: 30 * MB, getsPerHost: 3000 },
}

describe('scale model', () => {
  it('sends N copies direct, one copy per relay or into the store, and control per host', () => {
    expect(estimate('direct', costs.direct, 100, laptop).bytesOut).toBe(100 * (30 * MB + control))
    expect(estimate('relay', costs.relay, 100, laptop).bytesOut).toBe(30 * MB + 100 * control)
    expect(estimate('relay', costs.relay, 100, laptop, { ...DEFAULT_ASSUMPTIONS, relays: 4 }).bytesOut).toBe(4 * 30 * MB + 100 * control)
    expect(estimate('store', costs.store, 10_000, laptop).bytesOut).toBe(30 * MB + 10_000 * control)
  })

  it('is bound by the uplink for direct on a laptop, by the deploying machine\'s CPU inside the data centre', () => {
    const slow = estimate('direct', costs.direct, 100, laptop)
    expect(slow.bound).toBe('uplink')
    // 100 × 30.1 MB over 12.5 MB/s, plus the host's work and the fixed part.
    expect(slow.seconds).toBeCloseTo((100 * (30 * MB + control)) / 12.5e6 + 0.3 + 0.4 + 7 * 0.03, 5)
    expect(estimate('direct', { ...costs.direct, deployerCpuMs: 200 }, 1000, dc).bound).toBe('deployer CPU')
  })

  it('lets one relay\'s own fan-out or the store\'s request rate set the pace at large N', () => {
    expect(estimate('relay', costs.relay, 10_000, dc).seconds).toBeGreaterThan(estimate('relay', costs.relay, 10_000, dc, { ...DEFAULT_ASSUMPTIONS, relays: 10 }).seconds)
    expect(estimate('store', costs.store, 10_000, dc).bound).toBe('store requests')
  })

  it('finds where a mode starts to win, and says never when it does not', () => {
    const counts = [2, 5, 10, 50, 100, 1000]
    expect(crossover('relay', 'direct', costs, laptop, counts)).toBe(2)
    expect(crossover('relay', 'direct', costs, dc, counts)).toBeUndefined()
    // Time grows with N in every mode.
    for (const mode of ['direct', 'relay', 'store'] as const) {
      const times = counts.map((n) => estimate(mode, costs[mode], n, laptop).seconds)
      expect([...times].sort((a, b) => a - b)).toEqual(times)
    }
  })
})
