/**
 * The delivery modes' section of docs/benchmarks.md: per host count, one table of scenario
 * × mode with wall time, CPU (berth's own with its children; the hosts' sshd trees), the
 * bytes that left this machine per deploy, and ratios to the floor and to direct; then the
 * bastion's refusals. Only the samples and byte counts of the run are used.
 */
import { bytesOut, refusalsText, type ModesInput } from './mode-data.js'
import { BASTION_TOOL, MODE_TOOLS, type Mode } from './modes.js'
import { FLOOR, SCENARIOS, SCENARIO_TITLES, medianOf, summarize } from './stats.js'
import { kb, mb, type Target } from './targets.js'
import { checkModeTargets } from './mode-targets.js'

const sec = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(2))
const times = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`)
const size = (bytes: number | undefined): string => (bytes === undefined ? '–' : bytes >= 1024 * 1024 ? mb(bytes) : kb(bytes))

/** The tools of the modes table at one host count: the modes measured, then the bastion's run. */
function toolsAt(input: ModesInput, hosts: number): { label: string; tool: string }[] {
  const modes = (input.via ?? ['direct']) as Mode[]
  return [
    ...modes.map((mode) => ({ label: mode, tool: MODE_TOOLS[mode] })),
    ...(input.bastion?.hostCounts.includes(hosts) === true ? [{ label: 'direct behind a bastion', tool: BASTION_TOOL }] : []),
  ]
}

function modeRows(input: ModesInput, hosts: number): string[][] {
  const rows: string[][] = []
  for (const scenario of SCENARIOS) {
    const floor = summarize(input.samples, hosts, scenario, FLOOR)?.median
    const direct = summarize(input.samples, hosts, scenario, MODE_TOOLS.direct)?.median
    const directBytes = bytesOut(input, hosts, scenario, MODE_TOOLS.direct)
    for (const { label, tool } of toolsAt(input, hosts)) {
      const sum = summarize(input.samples, hosts, scenario, tool)
      const wall = sum?.median === undefined ? (sum === undefined ? '–' : `failed: ${(sum.error ?? '').replaceAll('|', '\\|').slice(0, 120)}`) : `${sec(sum.median)}${sum.ok > 1 ? ` (${sec(sum.min)}–${sec(sum.max)})` : ''}`
      const out = tool === BASTION_TOOL ? undefined : bytesOut(input, hosts, scenario, tool)
      rows.push([
        SCENARIO_TITLES[scenario],
        label,
        wall,
        sec(medianOf(input.samples, hosts, scenario, tool, 'cpuMs')),
        sec(medianOf(input.samples, hosts, scenario, tool, 'hostCpuMs')),
        size(out),
        times(sum?.median, floor),
        tool === MODE_TOOLS.direct ? '1.00×' : times(sum?.median, direct),
        tool === MODE_TOOLS.direct ? (out === undefined ? '–' : '1.00×') : times(out, directBytes),
      ])
    }
    rows.push([
      SCENARIO_TITLES[scenario],
      'floor',
      sec(floor),
      sec(medianOf(input.samples, hosts, scenario, FLOOR, 'cpuMs')),
      sec(medianOf(input.samples, hosts, scenario, FLOOR, 'hostCpuMs')),
      '–',
      '1.00×',
      '',
      '',
    ])
  }
  return rows
}

const HEADER = ['scenario', 'mode', 'wall (s)', 'berth CPU (s)', 'hosts CPU (s)', 'bytes out', '÷ floor', '÷ direct', 'bytes ÷ direct']

export function renderModesMarkdown(input: ModesInput & { appBytes: number }): string[] {
  if (input.via === undefined) return []
  const lines = [
    '## Delivery modes',
    '',
    'berth\'s three ways to move a release (README, "Delivery at scale"), each into its own directory on',
    'every host: `direct` (one stream from this machine to each host), `relay` (one stream to the',
    'primary, web1, which passes it on over its own ssh connections with its own key) and `store` (blobs',
    'put once into an S3-protocol server on loopback, s3rver; hosts fetch them with presigned URLs).',
    'berth CPU is its user + system time with every child it waited for (its ssh clients), from GNU',
    'time; hosts CPU is what the hosts\' sshd process trees spent during the run (their listeners\'',
    'own and reaped children\'s times in /proc). Bytes out is what left this machine in one more,',
    'untimed deploy of each kind: what its ssh clients sent (`ssh -E … -o LogLevel=VERBOSE`',
    '"Transferred: sent N" lines) plus, for store, the bytes the S3 server received (requests and',
    'bodies, counted on its sockets). The floor is the same as above. Above 25 hosts the tools run one',
    'after another within each run (a tool\'s four scenarios in a row, its releases then removed), not',
    'interleaved: every tool\'s releases at once would not fit in memory on the tmpfs (100 hosts × 3',
    'releases × 30 MB is 9 GB per tool).',
    '',
  ]
  for (const hosts of input.hostCounts) {
    const rows = modeRows(input, hosts)
    lines.push(`### ${hosts} host${hosts === 1 ? '' : 's'}`, '', `| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`), '')
    const refusals = refusalsText(input, hosts)
    if (refusals !== undefined) lines.push(`- ${refusals}.`, '')
  }
  const targets = checkModeTargets(input)
  if (targets.length > 0) lines.push(`### Targets for the delivery modes`, '', ...targets.map(targetLine), '')
  return lines
}

const targetLine = (t: Target): string => `- ${t.met === undefined ? '?' : t.met ? '✓' : '✗'} ${t.text} — ${t.detail}`

export function renderModesConsole(input: ModesInput & { appBytes: number }): string[] {
  if (input.via === undefined) return []
  const lines: string[] = []
  for (const hosts of input.hostCounts) {
    const rows = [HEADER, ...modeRows(input, hosts)]
    const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => Math.min(row[i]!.length, 40))))
    lines.push('', `delivery modes at ${hosts} hosts (medians)`, ...rows.map((row) => row.map((c, i) => (c.length > 40 ? `${c.slice(0, 39)}…` : c).padEnd(widths[i]!)).join('  ')))
    const refusals = refusalsText(input, hosts)
    if (refusals !== undefined) lines.push(refusals)
  }
  const targets = checkModeTargets(input)
  if (targets.length > 0) lines.push('', 'delivery modes\' targets:', ...targets.map((t) => `  ${targetLine(t).slice(2)}`))
  return lines
}
