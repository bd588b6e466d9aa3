/**
 * docs/scale.md: the model of `scale-model.ts` fed with the costs one bench run measured
 * (`scale-costs.ts`), tabulated from 10 to 10,000 hosts on three uplinks, with what it
 * assumes and where each delivery mode stops being the right one.
 */
import type { BenchResult } from './report.js'
import { MODELED, scaleCosts, type Modeled } from './scale-costs.js'
import { DEFAULT_ASSUMPTIONS, MODEL_MODES, NETWORKS, crossover, estimate, type ModeCosts, type ModelMode, type Network } from './scale-model.js'

export const SCALE_HOSTS = [10, 100, 1_000, 10_000]
/** Host counts the crossovers are searched over. */
const SEARCH = [2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1_000, 2_000, 3_000, 5_000, 10_000]

const TITLES: Record<Modeled, string> = { cold: 'Cold deploy', 'one-file': 'Redeploy, one file changed' }

export function bytesText(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 4, 'TB'],
    [1024 ** 3, 'GB'],
    [1024 ** 2, 'MB'],
    [1024, 'KB'],
  ]
  const [size, unit] = units.find(([s]) => bytes >= s) ?? [1, 'B']
  return `${(bytes / size).toFixed(bytes / size >= 100 ? 0 : 1)} ${unit}`
}

export function secondsText(s: number): string {
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`
  if (s >= 120) return `${(s / 60).toFixed(0)} min`
  return `${s.toFixed(s >= 10 ? 0 : 1)} s`
}

function costsTable(costs: Record<Modeled, Record<ModelMode, ModeCosts>>): string[] {
  const header = ['scenario', 'mode', 'deployer CPU per host', 'one host\'s own work', 'bytes once', 'bytes per host', 'changes per host', 'relay CPU per host', 'GETs per host']
  const rows = MODELED.flatMap((scenario) =>
    MODEL_MODES.map((mode) => {
      const c = costs[scenario][mode]
      return [
        TITLES[scenario],
        mode,
        `${c.deployerCpuMs.toFixed(0)} ms`,
        `${c.hostWorkMs.toFixed(0)} ms`,
        mode === 'direct' ? '–' : bytesText(c.onceBytes),
        bytesText(c.perHostBytes),
        bytesText(c.payloadBytes),
        c.relayCpuMs === undefined ? '–' : `${c.relayCpuMs.toFixed(0)} ms`,
        c.getsPerHost === undefined ? '–' : String(Math.round(c.getsPerHost)),
      ]
    }),
  )
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)]
}

function estimates(costs: Record<ModelMode, ModeCosts>, network: Network): string[] {
  const header = ['hosts', ...MODEL_MODES.map((m) => `${m}: time (bound by)`), ...MODEL_MODES.map((m) => `${m}: bytes out`)]
  const rows = SCALE_HOSTS.map((n) => {
    const e = MODEL_MODES.map((mode) => estimate(mode, costs[mode], n, network))
    return [n.toLocaleString('en-US'), ...e.map((x) => `${secondsText(x.seconds)} (${x.bound})`), ...e.map((x) => bytesText(x.bytesOut))]
  })
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)]
}

/** One sentence per network: from how many hosts relay and store beat direct. */
export function crossoverText(costs: Record<ModelMode, ModeCosts>, network: Network): string {
  const at = (mode: ModelMode): string => {
    const n = crossover(mode, 'direct', { direct: costs.direct, relay: costs.relay, store: costs.store }, network, SEARCH)
    return n === undefined ? `${mode} never beats direct up to 10,000 hosts` : `${mode} beats direct ${from(n)}`
  }
  const storeOverRelay = crossover('store', 'relay', costs, network, SEARCH)
  return `${network.name}: ${at('relay')}; ${at('store')}; ${storeOverRelay === undefined ? 'store never beats one relay up to 10,000 hosts' : `store beats one relay ${from(storeOverRelay)}`}.`
}

/** The fewest hosts searched means "at any size", not a threshold found. */
const from = (n: number): string => (n === SEARCH[0] ? 'at every fleet size' : `from about ${n.toLocaleString('en-US')} hosts`)

export function renderScale(result: BenchResult): string {
  const { costs, hosts, notes } = scaleCosts(result)
  const a = DEFAULT_ASSUMPTIONS
  return [
    '# Deploying to many hosts: direct, relay or store',
    '',
    `Written by \`npm run bench\` (${result.mode}) on ${result.startedAt} from the per-host costs that run measured`,
    `(read at ${hosts} hosts); \`npm run bench -- --render FILE\` writes it again from that run's saved JSON.`,
    'Do not edit by hand. [benchmarks.md](benchmarks.md) holds the latest full bench run (berth next to its',
    'peers), which need not be this one; how to choose a mode is in the README ("Delivery at scale").',
    '',
    'A model, not a measurement: the bench runs every host on one 2-core machine, where loopback gives direct',
    'an uplink no real deployer has. This page takes what each host cost there and asks what the same deploy',
    'would take on real uplinks, from 10 to 10,000 hosts.',
    ...(notes.length === 0
      ? []
      : [
          '',
          '**Not every mode was measured in this run** (see "Not measured" below): a mode not measured borrows',
          'direct\'s measured costs, so its times are the model\'s guess, and two modes a few percent apart are a tie.',
        ]),
    '',
    '## What the bench measured, per host',
    '',
    ...costsTable(costs),
    '',
    '- deployer CPU per host: berth\'s user + system CPU, its ssh clients included, per extra host (the',
    '  slope between the smallest and the largest host count measured, or the mean with one count).',
    '- one host\'s own work: the hosts\' sshd process trees\' CPU divided by the hosts (unpack, copy from',
    '  the live release, fetch and check, berth\'s round trips); every host does it at the same time.',
    '- bytes once / per host: what left the deploying machine (ssh clients\' bytes, and the S3 server\'s',
    '  received bytes for store) split by the no-change deploy, whose bytes are the control traffic.',
    ...(notes.length === 0 ? [] : ['', ...notes.map((note) => `- Not measured — ${note}.`)]),
    '',
    '## What the model assumes',
    '',
    '- SSH stays the control plane in every mode: the deploying machine still connects to every host and',
    `  pays its CPU per host, spread over ${a.deployerCores} cores, at the same time as its uplink sends the bytes out`,
    '  (the slower of the two sets the pace).',
    '- Bytes out: direct sends the changes to every host; relay once per relay',
    `  (${a.relays}: berth's default, the primary) and store once into the store; then control traffic per host.`,
    `- A relay streams the changes to its hosts over the hosts' network (${(a.hostLinkBytesPerS * 8) / 1e9} Gb/s) and pays ssh CPU per host`,
    `  it serves (${a.relayCores} cores); more relays (\`delivery.relays\`) divide that work.`,
    `- The store serves every host's GETs at ${a.storeGetsPerS.toLocaleString('en-US')} requests/s (one S3 prefix; one GET per big file or per pack of small ones, as measured)`,
    '  and each host fetches over its own link.',
    '- Each host\'s own work runs on every host at once: paid once whatever N is.',
    `- Fixed: ${a.startS} s for the CLI and ${a.roundTrips} network round trips (ssh's handshake, berth's four).`,
    `- Uplinks: ${NETWORKS.map((n) => `${n.name} with ${n.rttS * 1000} ms to the hosts`).join('; ')}.`,
    '- Not modelled: packet loss, TCP slow start, the hosts\' disks, a bastion (its own CPU and MaxStartups,',
    '  which berth throttles to 8 handshakes at once per jump host: a bastion adds its handshakes to the path).',
    '',
    ...MODELED.flatMap((scenario) => [
      `## ${TITLES[scenario]}${scenario === 'cold' ? ` (${bytesText(result.app.bytes)}, ${result.app.files.toLocaleString('en-US')} files)` : ''}`,
      '',
      ...NETWORKS.flatMap((network) => [`### ${network.name}`, '', ...estimates(costs[scenario], network), '']),
    ]),
    '## Where each mode stops being the right one',
    '',
    ...MODELED.flatMap((scenario) => [`${TITLES[scenario]}:`, '', ...NETWORKS.map((network) => `- ${crossoverText(costs[scenario], network)}`), '']),
    '- direct is the simplest and, on a fast uplink or a small fleet, the fastest: nothing stands between',
    '  this machine and the hosts. Its bytes out grow with N × changes, so a slow uplink makes it the',
    '  bottleneck first on cold deploys and large changes.',
    '- relay sends the changes once per relay, and the relay then does for each of its hosts what this machine',
    '  does in direct (an ssh connection, the stream), on top of this machine\'s own per-host work (with one',
    '  relay, the "relay fan-out" bound above when it is the slower). It pays off where the uplink is the bound (cold',
    '  deploys, large changes, a slow uplink), not for small redeploys. More relays (`delivery.relays`) divide',
    '  the fan-out; the model assumes one.',
    '- store sends the changes once, whatever N is, and each host fetches in parallel; its limit is the',
    '  store\'s request rate (N hosts × their GETs: a few packs on a cold deploy), and a store to run.',
    '- In every mode the deploying machine still pays one ssh connection per host: at thousands of hosts',
    '  that CPU, not the bytes, is the floor (more cores, or split the fleet into several deploys).',
    '',
  ].join('\n')
}
