import { describe, expect, it } from 'vitest'
import type { BytesOut } from './bytes.js'
import { checkModeTargets } from './mode-targets.js'
import { renderModesMarkdown } from './modes-report.js'
import type { Sample } from './stats.js'

const APP = 30_000_000
const samples: Sample[] = [
  ...(['cold', 'one-file', 'no-change', 'rollback'] as const).flatMap((scenario) => [
    { hosts: 100, scenario, tool: 'berth', run: 1, ms: 10_000, cpuMs: 8_000, hostCpuMs: 20_000 },
    { hosts: 100, scenario, tool: 'berth relay', run: 1, ms: 12_000, cpuMs: 5_000, hostCpuMs: 25_000 },
    { hosts: 100, scenario, tool: 'berth store', run: 1, ms: 14_000, cpuMs: 5_000, hostCpuMs: 22_000 },
    { hosts: 100, scenario, tool: 'berth bastion', run: 1, ms: 11_000, cpuMs: 9_000, refusals: 0 },
    { hosts: 100, scenario, tool: 'floor', run: 1, ms: 9_000, cpuMs: 4_000 },
  ]),
]
const b = (tool: string, scenario: BytesOut['scenario'], sshBytes: number, storeBytes = 0): BytesOut => ({ hosts: 100, tool, scenario, sshBytes, storeBytes })
const bytes = [
  b('berth', 'cold', 100 * (APP + 100_000)),
  b('berth', 'no-change', 100 * 100_000),
  b('berth relay', 'cold', APP + 100 * 110_000),
  b('berth relay', 'no-change', 100 * 110_000),
  // The store's cold deploy: the app into the store, and over ssh a longer list per host, no content.
  b('berth store', 'cold', 100 * 400_000, APP + 50_000),
  b('berth store', 'no-change', 100 * 110_000),
]
const input = { hostCounts: [100], via: ['direct', 'relay', 'store'], samples, bytes, bastion: { hostCounts: [100], concurrency: 100 }, appBytes: APP }

describe('the delivery modes in docs/benchmarks.md', () => {
  it('has a row per scenario and mode with wall, CPU, bytes out and the ratios', () => {
    const text = renderModesMarkdown(input).join('\n')
    expect(text).toContain('### 100 hosts')
    expect(text).toContain('| cold deploy | relay | 12.00 | 5.00 | 25.00 | 39.1 MB | 1.33× | 1.20× | 0.01× |')
    expect(text).toContain('| cold deploy | direct behind a bastion | 11.00 | 9.00 | – | – | 1.22× | 1.10× | – |')
    expect(text).toContain('| rollback | floor | 9.00 | 4.00 | – | – | 1.00× |  |  |')
    expect(text).toContain('- 0 refused connections in 4 runs behind the bastion at 100 hosts')
  })

  it('judges O(1) copies, no content over ssh for store, 1.3× of direct, and the bastion', () => {
    const targets = Object.fromEntries(checkModeTargets(input).map((t) => [t.text, t]))
    expect(targets['relay: the app leaves this machine once (100 hosts, cold deploy)']?.met).toBe(true)
    expect(targets['store: the app leaves this machine once (100 hosts, cold deploy)']?.met).toBe(true)
    expect(targets['store: no file content over SSH']).toMatchObject({ met: true, detail: expect.stringContaining('1.0 %') })
    expect(targets["relay: within 1.3× of direct's wall time at 100 hosts"]?.met).toBe(true)
    expect(targets["store: within 1.3× of direct's wall time at 100 hosts"]).toMatchObject({ met: false, detail: expect.stringContaining('1.40×') })
    expect(targets['100 hosts behind one default-configured bastion: no refused connection']?.met).toBe(true)
    expect(targets['100 hosts: one-file redeploy ≤ 1.3× the floor']?.met).toBe(true)
  })

  it('fails the bastion target on a single refusal', () => {
    const refused = samples.map((s) => (s.tool === 'berth bastion' && s.scenario === 'cold' ? { ...s, refusals: 2 } : s))
    const target = checkModeTargets({ ...input, samples: refused }).find((t) => t.text.includes('bastion'))
    expect(target).toMatchObject({ met: false, detail: expect.stringContaining('2 refused connections') })
  })
})
