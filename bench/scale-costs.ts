/**
 * The model's inputs (`scale-model.ts`) read from one bench result: per mode and scenario,
 * the deploying machine's CPU per host (the slope between the smallest and the largest
 * host count when there are two, else the mean), each host's own CPU, and the bytes out
 * split into what is sent once and what is sent per host (the no-change deploy's bytes are
 * the control traffic). A mode that was not measured borrows direct's costs and is named
 * in the notes, so a reader sees which numbers are measured.
 */
import { PACKING } from '../src/store/packing.js'
import { bytesOut, rawBytes } from './mode-data.js'
import { MODE_TOOLS } from './modes.js'
import type { BenchResult } from './report.js'
import { medianOf, type Scenario } from './stats.js'
import type { ModeCosts, ModelMode } from './scale-model.js'

export const MODELED = ['cold', 'one-file'] as const
export type Modeled = (typeof MODELED)[number]

export interface ScaleCosts {
  costs: Record<Modeled, Record<ModelMode, ModeCosts>>
  /** The host count the bytes and host work were read at. */
  hosts: number
  notes: string[]
}

/**
 * A store's GETs per host when the bench did not count them: each file alone below the
 * packing threshold, else the packs (berth deals small files into 16 by hash).
 */
const estimatedGets = (files: number): number => (files < PACKING.minBlobs ? files : 16)

/** Used only when a result has nothing to read (rendered from an old result). */
const ASSUMED = { deployerCpuMs: 60, hostWorkMs: { cold: 300, 'one-file': 60 }, controlBytes: 130 * 1024 }

export function scaleCosts(result: Pick<BenchResult, 'hostCounts' | 'samples' | 'app' | 'bytes' | 'via'>): ScaleCosts {
  const notes: string[] = []
  const counts = [...result.hostCounts].sort((a, b) => a - b)
  const measured = (mode: ModelMode, scenario: Scenario, n: number): boolean => bytesOut(result, n, scenario, MODE_TOOLS[mode]) !== undefined && medianOf(result.samples, n, scenario, MODE_TOOLS[mode], 'cpuMs') !== undefined
  const hosts = [...counts].reverse().find((n) => measured('direct', 'cold', n)) ?? counts.at(-1)!
  const cpu = (mode: ModelMode, scenario: Scenario): number | undefined => {
    const at = (n: number) => medianOf(result.samples, n, scenario, MODE_TOOLS[mode], 'cpuMs')
    const [low, high] = [counts[0]!, counts.at(-1)!]
    const [a, b] = [at(low), at(high)]
    if (a !== undefined && b !== undefined && high > low) return Math.max(0.1, (b - a) / (high - low))
    const one = at(hosts)
    return one === undefined ? undefined : one / hosts
  }
  const hostWork = (mode: ModelMode, scenario: Scenario): number | undefined => {
    const total = medianOf(result.samples, hosts, scenario, MODE_TOOLS[mode], 'hostCpuMs')
    return total === undefined ? undefined : total / hosts
  }
  const bytes = (mode: ModelMode, scenario: Scenario): number | undefined => bytesOut(result, hosts, scenario, MODE_TOOLS[mode])

  const control = (mode: ModelMode): number => (bytes(mode, 'no-change') ?? bytes('direct', 'no-change') ?? ASSUMED.controlBytes * hosts) / hosts
  const costs = {} as Record<Modeled, Record<ModelMode, ModeCosts>>
  for (const scenario of MODELED) {
    const files = scenario === 'cold' ? result.app.files : 1
    const directPerHost = (bytes('direct', scenario) ?? (scenario === 'cold' ? result.app.bytes : 0) * hosts + ASSUMED.controlBytes * hosts) / hosts
    const payload = Math.max(0, directPerHost - control('direct'))
    const direct: ModeCosts = {
      deployerCpuMs: cpu('direct', scenario) ?? ASSUMED.deployerCpuMs,
      onceBytes: 0,
      perHostBytes: directPerHost,
      hostWorkMs: hostWork('direct', scenario) ?? ASSUMED.hostWorkMs[scenario],
      payloadBytes: payload,
    }
    const other = (mode: 'relay' | 'store'): ModeCosts => {
      const total = bytes(mode, scenario)
      const ok = total !== undefined && measured(mode, scenario, hosts)
      if (!ok) notes.push(`${mode}, ${scenario === 'cold' ? 'cold deploy' : 'one-file redeploy'}: not measured in this result; direct's no-change CPU per host (its control work) and direct's host work are used, with ${mode}'s bytes assumed (the changes once, control per host)`)
      // The store's own split is exact: blobs into the store once, ssh (URL lists, control) per host.
      const split = mode === 'store' && ok ? rawBytes(result, hosts, scenario, MODE_TOOLS.store) : undefined
      const perHost = split !== undefined ? split.sshBytes / hosts : ok ? control(mode) : control('direct')
      return {
        // Unmeasured, the deploying machine's part is direct's control work (its no-change
        // deploy): the changes themselves leave once, not per host.
        deployerCpuMs: (ok ? cpu(mode, scenario) : undefined) ?? cpu('direct', 'no-change') ?? direct.deployerCpuMs,
        onceBytes: split !== undefined ? split.storeBytes : ok ? Math.max(0, total - perHost * hosts) : payload,
        perHostBytes: perHost,
        hostWorkMs: (ok ? hostWork(mode, scenario) : undefined) ?? direct.hostWorkMs,
        payloadBytes: payload,
        ...(mode === 'relay'
          ? { relayCpuMs: ok ? Math.max(0, (hostWork('relay', scenario) ?? 0) - (hostWork('direct', scenario) ?? 0)) || direct.deployerCpuMs : direct.deployerCpuMs }
          : { getsPerHost: split?.storeGets === undefined ? estimatedGets(files) : split.storeGets / hosts }),
      }
    }
    costs[scenario] = { direct, relay: other('relay'), store: other('store') }
  }
  if (bytes('direct', 'cold') === undefined) notes.push('direct: no bytes measured in this result; the app\'s size and 130 KB of control per host are assumed')
  return { costs, hosts, notes: [...new Set(notes)] }
}

