/**
 * The benchmark's output: a console table of medians and `docs/benchmarks.md` with the
 * machine, the setup, medians with min–max, ratios, traffic, peak RSS and the targets.
 * Every number comes from the samples of this run; a failed or missing tool says so. An
 * earlier berth measured as a baseline gets its own column and a berth÷baseline ratio; a
 * run without one renders exactly as before.
 */
import { BASELINE_DEPLOY_TO } from './berth.js'
import type { BytesOut } from './bytes.js'
import { renderModesConsole, renderModesMarkdown } from './modes-report.js'
import { BASELINE, FLOOR, FLOOR_TITLES, SCENARIOS, SCENARIO_TITLES, peakRss, summarize, type Sample, type Summary } from './stats.js'
import { checkTargets, kb, mb, NO_CONTENT_SHARE, type Traffic } from './targets.js'

export interface ToolInfo {
  name: string
  version?: string
  /** Why the tool is not in the table. */
  missing?: string
  /** Why the tool was left out of this run on purpose (`--no-peers`). */
  skipped?: string
}

export interface BenchResult {
  mode: string
  startedAt: string
  durationS: number
  machine: Record<string, string>
  tmpfs: string
  tools: ToolInfo[]
  hostCounts: number[]
  runs: number
  app: { files: number; bytes: number; changedFile: string }
  samples: Sample[]
  traffic: Traffic[]
  /** berth's delivery modes measured (absent in results saved before the modes were). */
  via?: string[]
  /** Bytes out per deploy, per mode (`bytes.ts`). */
  bytes?: BytesOut[]
  /** Where direct also ran behind one default-configured bastion. */
  bastion?: { hostCounts: number[]; concurrency: number }
}

const PEERS = ['capistrano', 'shipit-deploy']
const sec = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(2))
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`)

function cell(sum: Summary | undefined, tool: ToolInfo | undefined, detailed: boolean): string {
  if (tool?.skipped !== undefined) return 'not measured'
  if (tool?.missing !== undefined) return 'not installed'
  if (sum === undefined) return '–'
  if (sum.median === undefined) return `failed: ${escape(sum.error ?? 'no result')}`
  const range = detailed && sum.ok > 1 ? ` (${sec(sum.min)}–${sec(sum.max)})` : ''
  const failures = sum.ok < sum.runs ? ` [${sum.runs - sum.ok}/${sum.runs} failed: ${escape(sum.error ?? '')}]` : ''
  return `${sec(sum.median)}${range}${failures}`
}

const escape = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

const hasBaseline = (result: BenchResult): boolean => result.tools.some((t) => t.name === BASELINE)

function rows(result: BenchResult, detailed: boolean): string[][] {
  const info = (name: string) => result.tools.find((t) => t.name === name)
  const withBaseline = hasBaseline(result)
  const out: string[][] = []
  for (const hosts of result.hostCounts) {
    for (const scenario of SCENARIOS) {
      const get = (tool: string) => summarize(result.samples, hosts, scenario, tool)
      const [berth, floor, baseline] = [get('berth'), get(FLOOR), get(BASELINE)]
      out.push([
        String(hosts),
        SCENARIO_TITLES[scenario],
        cell(berth, info('berth'), detailed),
        ...(withBaseline ? [cell(baseline, info(BASELINE), detailed)] : []),
        ...PEERS.map((peer) => cell(get(peer), info(peer), detailed)),
        cell(floor, undefined, detailed),
        ...(withBaseline ? [ratio(berth?.median, baseline?.median)] : []),
        ratio(berth?.median, floor?.median),
        ...PEERS.map((peer) => ratio(berth?.median, get(peer)?.median)),
      ])
    }
  }
  return out
}

function header(result: BenchResult): string[] {
  const withBaseline = hasBaseline(result)
  return [
    'hosts',
    'scenario',
    'berth',
    ...(withBaseline ? [BASELINE] : []),
    'capistrano',
    'shipit-deploy',
    'floor',
    ...(withBaseline ? ['berth÷baseline'] : []),
    'berth÷floor',
    'berth÷cap',
    'berth÷shipit',
  ]
}

/** The berths whose peak RSS is reported: berth, and the baseline when there is one. */
const berths = (result: BenchResult): string[] => (hasBaseline(result) ? ['berth', BASELINE] : ['berth'])

export function renderConsole(result: BenchResult): string {
  const columns = header(result)
  const table = [columns, ...rows(result, false)]
  const widths = columns.map((_, i) => Math.max(...table.map((row) => Math.min(row[i]!.length, 48))))
  const line = (row: string[]) => row.map((c, i) => (c.length > 48 ? `${c.slice(0, 47)}…` : c).padEnd(widths[i]!)).join('  ')
  const { hosts, targets } = checkTargets(targetInput(result))
  return [
    `medians in seconds (${result.runs} run${result.runs === 1 ? '' : 's'} each); hosts on ${result.tmpfs}`,
    line(table[0]!),
    ...table.slice(1).map(line),
    '',
    ...berths(result).flatMap((tool) => result.hostCounts.map((n) => `${tool} peak RSS at ${n} hosts: ${rssText(result, n, tool)}`)),
    ...result.traffic.map((t) => `sent to each host (${t.hosts} hosts), ${t.tool} ${t.scenario}: ${kb(t.bytesPerHost)}`),
    ...renderModesConsole({ ...result, appBytes: result.app.bytes }),
    '',
    `targets (${hosts} hosts unless stated):`,
    ...targets.map((t) => `  ${t.met === undefined ? '?' : t.met ? '✓' : '✗'} ${t.text}: ${t.detail}`),
  ].join('\n')
}

function rssText(result: BenchResult, hosts: number, tool: string): string {
  const rss = peakRss(result.samples, hosts, tool)
  return rss === undefined ? 'not measured' : `${(rss / 1024).toFixed(0)} MB`
}

function targetInput(result: BenchResult) {
  return {
    samples: result.samples,
    traffic: result.traffic,
    hostCounts: result.hostCounts,
    appBytes: result.app.bytes,
    skipped: Object.fromEntries(result.tools.flatMap((t) => (t.skipped === undefined ? [] : [[t.name, t.skipped]]))),
  }
}

export function renderMarkdown(result: BenchResult): string {
  const { hosts, targets } = checkTargets(targetInput(result))
  const columns = header(result)
  const table = [columns, columns.map(() => '---'), ...rows(result, true)].map((row) => `| ${row.join(' | ')} |`)
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (${result.mode}) on ${result.startedAt}, in ${Math.round(result.durationS)} s. Do not edit by hand: run it again.`,
    '',
    'berth, Capistrano 3 and shipit-deploy deploy the same generated app to the same fleet of real',
    'sshd hosts on loopback (one daemon per host on 127.0.0.x, each with its own /srv through a',
    'mount namespace, stock dotfiles), next to a floor of what any tool must pay: `ssh host true`',
    'to every host at once, and a raw `tar -c | ssh host tar -x` to every host at once. The tools',
    'run interleaved (berth, Capistrano, shipit-deploy, floor within each scenario), so machine',
    'noise hits all alike.',
    '',
    ...runNotes(result),
    '## Machine',
    '',
    ...Object.entries(result.machine).map(([k, v]) => `- ${k}: ${v}`),
    `- hosts' directories (and the app, workspaces, peers' scratch repos): ${result.tmpfs}`,
    '',
    '## Tools',
    '',
    ...result.tools.map((t) => `- ${t.name}: ${toolText(t)}`),
    '',
    '## Setup',
    '',
    `- App: a git repository of ${result.app.files} files, ${mb(result.app.bytes)} (text sources, tests and locales; images and four`,
    '  binaries of 2–4 MB as incompressible bytes), generated from a fixed seed.',
    `- One-file change: a line appended to \`${result.app.changedFile}\`, committed (and pushed to the bare clone the peers fetch).`,
    '- Each tool deploys to its own directory on every host (`/srv/berth`, `/srv/cap`, `/srv/shipit`),',
    '  keeps 5 releases, and runs **no hooks** (no restart command for any tool).',
    '- berth: the built CLI, `node bin/berth.js deploy bench -c berth.yml -q` (rollback: `berth rollback bench`),',
    '  upload strategy, the fleet\'s ssh_config (`ssh.config`), run under `/usr/bin/time -f %M` for its peak RSS.',
    '- Capistrano: `cap bench deploy` with the stock git strategy (a mirror of a bare repo on each host,',
    '  `git archive` into the release), net-ssh with the fleet\'s key and `verify_host_key: :always` against the',
    '  fleet\'s known_hosts; rollback is `cap bench deploy:rollback` (which, by default, also archives the',
    '  rolled-back release to a .tar.gz on each host).',
    '- shipit-deploy: `shipit bench deploy` with a kept workspace (`shallowClone: false`), `ignores: [.git]`,',
    '  `strict: yes` host-key checking against the fleet\'s known_hosts; it copies the previous release on',
    '  each host and rsyncs the workspace over it. Rollback is `shipit bench rollback`.',
    '- Scenarios, in this order within each run: cold deploy (the tool\'s directory removed from every host',
    '  first, and its local workspace), redeploy after the one-file change, redeploy with no change,',
    '  rollback. Floors: cold — `tar | ssh tar -x` of the app; one file — the same with only the changed',
    '  file (so: connect + that file); no change and rollback — `ssh host true`.',
    `- ${result.runs} run${result.runs === 1 ? '' : 's'} of each scenario × host count × tool; cells are medians in seconds, with (min–max).`,
    '',
    '## Wall time (seconds)',
    '',
    ...table,
    '',
    `berth÷floor${hasBaseline(result) ? ', berth÷baseline' : ''} and berth÷peer are ratios of medians: below 1× berth is faster.`,
    '',
    ...renderModesMarkdown({ ...result, appBytes: result.app.bytes }),
    '## Traffic and memory',
    '',
    ...(result.traffic.length === 0
      ? ['- traffic not measured']
      : result.traffic.map((t) => `- ${t.tool}, ${SCENARIO_TITLES[t.scenario]}, ${t.hosts} hosts: ${kb(t.bytesPerHost)} sent to each host`)),
    '  (bytes the ssh clients sent, from `ssh -E … -o LogLevel=VERBOSE` "Transferred:" lines, in one',
    '  extra untimed deploy of each kind after the timed runs; Capistrano uses net-ssh, so it is not counted).',
    ...berths(result).flatMap((tool) => result.hostCounts.map((n) => `- ${tool} peak RSS at ${n} hosts: ${rssText(result, n, tool)} (largest over all its runs)`)),
    '',
    `## Targets (${hosts} hosts, medians, same run)`,
    '',
    ...targets.map((t) => `- ${t.met === undefined ? '?' : t.met ? '✓' : '✗'} ${t.text} — ${t.detail}`),
    '',
    `"No file content travels" is judged as less than ${NO_CONTENT_SHARE * 100} % of the app's bytes sent to each host. The floor`,
    `for each scenario is: ${Object.entries(FLOOR_TITLES).map(([k, v]) => `${k}: ${v}`).join('; ')}.`,
    '',
  ].join('\n')
}

function toolText(tool: ToolInfo): string {
  if (tool.skipped !== undefined) return `**not measured**: ${tool.skipped}`
  return tool.missing === undefined ? (tool.version ?? '') : `**not installed**: ${tool.missing}`
}

/** What this run did beyond the usual comparison: a baseline, or peers left out. */
function runNotes(result: BenchResult): string[] {
  const notes: string[] = []
  const baseline = result.tools.find((t) => t.name === BASELINE)
  if (baseline !== undefined) {
    notes.push(
      `This run also measured an earlier berth, \`${BASELINE}\`: its built CLI, run exactly like berth's with the`,
      `same config but its own directory on every host (\`${BASELINE_DEPLOY_TO}\`), right after berth in every scenario.`,
      'berth÷baseline below 1× means the code measured here is faster than the baseline, which is',
      `${baseline.version ?? 'of unknown version'}.`,
    )
  }
  const skipped = result.tools.filter((t) => t.skipped !== undefined)
  if (skipped.length > 0) notes.push(`Not measured in this run: ${skipped.map((t) => `${t.name} (${t.skipped})`).join(', ')}.`)
  return notes.length === 0 ? [] : [...notes, '']
}
