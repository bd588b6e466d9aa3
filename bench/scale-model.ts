/**
 * A small model of a deploy's time and bytes out, per delivery mode, at any number of
 * hosts and any uplink: what docs/scale.md tabulates from 10 to 10,000 hosts. Pure: it
 * takes the per-host costs the bench measured (`scale-costs.ts`) and the assumptions of a
 * network, and returns numbers. The model, term by term:
 *
 * - Every mode keeps SSH as its control plane: the deploying machine still opens one
 *   connection per host and runs berth's round trips on it, so its CPU per host
 *   (`deployerCpuMs`, measured) is paid N times, spread over its cores.
 * - Bytes out = `onceBytes` + N × `perHostBytes`: direct sends the changes to every host
 *   (perHostBytes holds them); relay sends them once per relay, store once into the store;
 *   both then send only control traffic per host (measured in the no-change deploy).
 * - The uplink and the deploying machine's CPU work at the same time: the slower sets the pace.
 * - Then the fan-out, which the deploying machine does not see: a relay streams the changes
 *   to its N/R hosts over the hosts' network and pays ssh CPU for each; the store serves N
 *   hosts each GETting its missing files (many small ones in a few packs), bounded by a
 *   request rate (S3: ~5,500 GET/s per prefix) and by one host's downlink.
 * - Each host's own work (unpack, copy from the live release, fetch, verify: `hostWorkMs`,
 *   measured) runs in parallel on every host: paid once, not N times.
 * - Fixed: the CLI's start and berth's round trips, each one network round-trip time.
 */

export const MODEL_MODES = ['direct', 'relay', 'store'] as const
export type ModelMode = (typeof MODEL_MODES)[number]

/** What one deploy costs, per mode, as the bench measured it on one machine. */
export interface ModeCosts {
  /** Deploying machine CPU per host (ms): handshake, encryption, berth's per-host work. */
  deployerCpuMs: number
  /** Bytes out per deploy whatever N is: the relay's copy, the store's new blobs. */
  onceBytes: number
  /** Bytes out per host: direct's copy of the changes plus control; control only for the others. */
  perHostBytes: number
  /** One host's own work (ms, on its own CPU). */
  hostWorkMs: number
  /** The changes each host receives (bytes), over the relay's or the store's network. */
  payloadBytes: number
  /** Relay: its CPU per host it serves (ms). */
  relayCpuMs?: number
  /** Store: GETs each host makes (a pack of small files or a big file each). */
  getsPerHost?: number
}

export interface Network {
  name: string
  /** The deploying machine's uplink, bytes per second. */
  uplinkBytesPerS: number
  /** Round-trip time from the deploying machine to the hosts (s). */
  rttS: number
}

export interface Assumptions {
  deployerCores: number
  relayCores: number
  /** A host's (and a relay's) network inside the data centre, bytes per second. */
  hostLinkBytesPerS: number
  /** GETs per second the store serves under one prefix. */
  storeGetsPerS: number
  /** Relays: berth's default is one, the primary. */
  relays: number
  /** The CLI's start and planning (s). */
  startS: number
  /** Network round trips of a deploy: ssh's handshake (about 3) and berth's four. */
  roundTrips: number
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  deployerCores: 2,
  relayCores: 2,
  hostLinkBytesPerS: 10e9 / 8,
  storeGetsPerS: 5_500,
  relays: 1,
  startS: 0.4,
  roundTrips: 7,
}

export const NETWORKS: Network[] = [
  { name: '100 Mb/s (a laptop)', uplinkBytesPerS: 100e6 / 8, rttS: 0.03 },
  { name: '1 Gb/s (a CI runner)', uplinkBytesPerS: 1e9 / 8, rttS: 0.01 },
  { name: '10 Gb/s (inside the data centre)', uplinkBytesPerS: 10e9 / 8, rttS: 0.0005 },
]

export interface Estimate {
  seconds: number
  bytesOut: number
  /** The term that sets the time: what to fix first. */
  bound: 'uplink' | 'deployer CPU' | 'relay fan-out' | 'store requests' | 'host work'
}

export function estimate(mode: ModelMode, costs: ModeCosts, hosts: number, network: Network, a: Assumptions = DEFAULT_ASSUMPTIONS): Estimate {
  const onceCopies = mode === 'relay' ? Math.min(a.relays, hosts) : 1
  const bytesOut = (mode === 'direct' ? 0 : costs.onceBytes * onceCopies) + hosts * costs.perHostBytes
  const uplinkS = bytesOut / network.uplinkBytesPerS
  const cpuS = (hosts * costs.deployerCpuMs) / 1000 / a.deployerCores
  let fanoutS = 0
  let fanoutBound: Estimate['bound'] = 'host work'
  if (mode === 'relay') {
    const served = hosts / Math.max(1, onceCopies)
    fanoutS = Math.max((served * costs.payloadBytes) / a.hostLinkBytesPerS, (served * (costs.relayCpuMs ?? costs.deployerCpuMs)) / 1000 / a.relayCores)
    fanoutBound = 'relay fan-out'
  } else if (mode === 'store') {
    fanoutS = Math.max((hosts * (costs.getsPerHost ?? 1)) / a.storeGetsPerS, costs.payloadBytes / a.hostLinkBytesPerS)
    fanoutBound = 'store requests'
  }
  const hostS = costs.hostWorkMs / 1000
  const fixedS = a.startS + a.roundTrips * network.rttS
  const terms: [Estimate['bound'], number][] = [
    ['uplink', uplinkS],
    ['deployer CPU', cpuS],
    [fanoutBound, fanoutS],
    ['host work', hostS],
  ]
  const bound = terms.reduce((best, term) => (term[1] > best[1] ? term : best))[0]
  return { seconds: fixedS + Math.max(uplinkS, cpuS) + fanoutS + hostS, bytesOut, bound }
}

/** The fewest hosts (of `counts`) from which `mode` is faster than `than` on this network; undefined: never. */
export function crossover(mode: ModelMode, than: ModelMode, costs: Record<ModelMode, ModeCosts>, network: Network, counts: number[], a: Assumptions = DEFAULT_ASSUMPTIONS): number | undefined {
  return counts.find((n) => estimate(mode, costs[mode], n, network, a).seconds < estimate(than, costs[than], n, network, a).seconds)
}
