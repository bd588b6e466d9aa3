import { describe, expect, it } from 'vitest'
import type { BytesOut } from './bytes.js'
import { scaleCosts } from './scale-costs.js'
import type { Sample } from './stats.js'
import { renderScale } from './scale-report.js'
import type { BenchResult } from './report.js'

const sample = (hosts: number, scenario: Sample['scenario'], tool: string, cpuMs: number, hostCpuMs: number): Sample => ({ hosts, scenario, tool, run: 1, ms: 1000, cpuMs, hostCpuMs })
const bytes = (hosts: number, scenario: BytesOut['scenario'], tool: string, sshBytes: number, storeBytes = 0): BytesOut => ({ hosts, scenario, tool, sshBytes, storeBytes })

const result: Pick<BenchResult, 'hostCounts' | 'samples' | 'app' | 'bytes' | 'via'> = {
  hostCounts: [10, 100],
  via: ['direct', 'relay'],
  app: { files: 3000, bytes: 30_000_000, changedFile: 'a.js' },
  samples: [
    sample(10, 'cold', 'berth', 2_000, 5_000),
    sample(100, 'cold', 'berth', 11_000, 50_000),
    sample(10, 'cold', 'berth relay', 1_500, 6_000),
    sample(100, 'cold', 'berth relay', 6_000, 70_000),
  ],
  bytes: [
    bytes(100, 'cold', 'berth', 100 * 30_100_000),
    bytes(100, 'no-change', 'berth', 100 * 100_000),
    bytes(100, 'cold', 'berth relay', 30_000_000 + 100 * 120_000),
    bytes(100, 'no-change', 'berth relay', 100 * 120_000),
  ],
}

describe('per-host costs from a bench result', () => {
  it('takes the CPU slope between host counts, the hosts\' own work and the bytes split by the no-change deploy', () => {
    const { costs, hosts, notes } = scaleCosts(result)
    expect(hosts).toBe(100)
    expect(costs.cold.direct).toMatchObject({ deployerCpuMs: 100, hostWorkMs: 500, perHostBytes: 30_100_000, payloadBytes: 30_000_000, onceBytes: 0 })
    expect(costs.cold.relay).toMatchObject({ deployerCpuMs: 50, perHostBytes: 120_000, onceBytes: 30_000_000, hostWorkMs: 700, relayCpuMs: 200 })
    // The store was not measured: it borrows direct's costs, and the notes say so.
    expect(costs.cold.store).toMatchObject({ deployerCpuMs: 100, onceBytes: 30_000_000, perHostBytes: 100_000, getsPerHost: 16 })
    expect(notes.join('\n')).toContain('store, cold deploy: not measured')
    expect(notes.join('\n')).not.toContain('relay, cold deploy')
  })

  it('renders docs/scale.md from it', () => {
    const text = renderScale({ ...result, mode: '--quick', startedAt: '2026-12-02T00:00:00Z', durationS: 1, machine: {}, tmpfs: '', tools: [], runs: 1, traffic: [] })
    expect(text).toContain('## Where each mode stops being the right one')
    expect(text).toMatch(/\| 10,000 \| .* \|/)
    expect(text).not.toContain('SPEC')
  })
})
