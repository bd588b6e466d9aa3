/** What the runs of one tool in one scenario add up to: median, min, max, failures. */

export const SCENARIOS = ['cold', 'one-file', 'no-change', 'rollback'] as const
export type Scenario = (typeof SCENARIOS)[number]

export const SCENARIO_TITLES: Record<Scenario, string> = {
  cold: 'cold deploy',
  'one-file': 'redeploy, one file changed',
  'no-change': 'redeploy, no change',
  rollback: 'rollback',
}

/** What the floor measures in each scenario. */
export const FLOOR_TITLES: Record<Scenario, string> = {
  cold: '`tar | ssh tar -x` of the app',
  'one-file': '`tar | ssh tar -x` of the changed file',
  'no-change': '`ssh host true`',
  rollback: '`ssh host true`',
}

export const FLOOR = 'floor'
/** An earlier berth measured in the same run (`--baseline`, `--baseline-ref`). */
export const BASELINE = 'berth (baseline)'

export interface Sample {
  hosts: number
  scenario: Scenario
  tool: string
  run: number
  ms?: number
  error?: string
  rssKb?: number
  /** The tool's own user + system CPU, its children included (GNU time). */
  cpuMs?: number
  /** What the fleet's sshd process trees spent during the run (`host-cpu.ts`). */
  hostCpuMs?: number
  /** Connections the bastion's sshd refused during the run (MaxStartups), when there is one. */
  refusals?: number
}

export interface Summary {
  runs: number
  ok: number
  median?: number
  min?: number
  max?: number
  /** The first failure's reason, when any run failed. */
  error?: string
}

export function summarize(samples: Sample[], hosts: number, scenario: Scenario, tool: string): Summary | undefined {
  const mine = samples.filter((s) => s.hosts === hosts && s.scenario === scenario && s.tool === tool)
  if (mine.length === 0) return undefined
  const times = mine.flatMap((s) => (s.ms === undefined ? [] : [s.ms])).sort((a, b) => a - b)
  const error = mine.find((s) => s.error !== undefined)?.error
  return {
    runs: mine.length,
    ok: times.length,
    ...(times.length === 0 ? {} : { median: median(times), min: times[0], max: times.at(-1) }),
    ...(error === undefined ? {} : { error }),
  }
}

export function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Peak RSS (KiB) over every run of a tool at a host count. */
export function peakRss(samples: Sample[], hosts: number, tool: string): number | undefined {
  const values = samples.filter((s) => s.hosts === hosts && s.tool === tool && s.rssKb !== undefined).map((s) => s.rssKb!)
  return values.length === 0 ? undefined : Math.max(...values)
}

/** The median of one measured field over the successful runs of a tool in a scenario. */
export function medianOf(samples: Sample[], hosts: number, scenario: Scenario, tool: string, field: 'cpuMs' | 'hostCpuMs'): number | undefined {
  const values = samples
    .filter((s) => s.hosts === hosts && s.scenario === scenario && s.tool === tool && s.ms !== undefined)
    .flatMap((s) => (s[field] === undefined ? [] : [s[field]]))
    .sort((a, b) => a - b)
  return values.length === 0 ? undefined : median(values)
}
