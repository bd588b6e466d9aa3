/**
 * The timed part of the benchmark: one run of every scenario at one host count, each tool
 * checked on the hosts' disks after it reports success, and a floor after the tools.
 */
import type { Fleet } from '../test/helpers/fleet.js'
import { changeOneFile, type BenchApp } from './app.js'
import type { Timed } from './exec.js'
import { floorConnect, floorTar } from './floor.js'
import { FLOOR, SCENARIOS, type Sample, type Scenario } from './stats.js'
import type { BenchTool } from './tool.js'
import { liveTargets, verifyDeployed } from './verify.js'

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

/** One run of every scenario, tools interleaved within each scenario. */
export class Bench {
  /** Release names have one-second resolution: a tool's next deploy starts in a new second. */
  private readonly lastEnd = new Map<string, number>()
  private change = 0
  /** The log's tool column: as wide as the longest name (shipit-deploy, unless a baseline is longer). */
  private readonly nameWidth: number

  constructor(
    private readonly fleet: Fleet,
    private readonly app: BenchApp,
    private readonly tools: BenchTool[],
    private readonly samples: Sample[],
    private readonly log: (line: string) => void,
  ) {
    this.nameWidth = Math.max(FLOOR.length, 'shipit-deploy'.length, ...tools.map((t) => t.name.length))
  }

  async round(hosts: number, names: string[], run: number): Promise<void> {
    for (const scenario of SCENARIOS) {
      if (scenario === 'one-file') await changeOneFile(this.app, ++this.change)
      for (const tool of this.tools) {
        if (scenario === 'cold') await tool.reset()
        await this.nextSecond(tool.name)
        const before = scenario === 'rollback' ? liveTargets(this.fleet, names, tool.deployTo) : []
        const result = scenario === 'rollback' ? await tool.rollback() : await tool.deploy()
        this.lastEnd.set(tool.name, Date.now())
        const problem = !result.ok
          ? result.error
          : scenario === 'rollback'
            ? verifyRolledBack(before, liveTargets(this.fleet, names, tool.deployTo))
            : verifyDeployed(this.fleet, names, tool.deployTo, this.app)
        this.record(hosts, scenario, tool.name, run, result, problem)
      }
      const floor =
        scenario === 'cold'
          ? await floorTar(this.fleet, names, this.app.dir, ['.'])
          : scenario === 'one-file'
            ? await floorTar(this.fleet, names, this.app.dir, [this.app.changedFile])
            : await floorConnect(this.fleet, names)
      this.record(hosts, scenario, FLOOR, run, floor, floor.ok ? undefined : floor.error)
    }
  }

  private record(hosts: number, scenario: Scenario, tool: string, run: number, result: Timed, problem: string | undefined): void {
    const sample: Sample = { hosts, scenario, tool, run, ...(result.rssKb === undefined ? {} : { rssKb: result.rssKb }) }
    if (problem === undefined) sample.ms = result.ms
    else sample.error = problem
    this.samples.push(sample)
    const rss = result.rssKb === undefined ? '' : `, ${(result.rssKb / 1024).toFixed(0)} MB RSS`
    this.log(`  ${scenario.padEnd(9)} ${tool.padEnd(this.nameWidth)} ${problem === undefined ? seconds(result.ms) : `failed: ${problem}`}${rss}`)
  }

  private async nextSecond(tool: string): Promise<void> {
    const last = this.lastEnd.get(tool)
    if (last === undefined) return
    const next = (Math.floor(last / 1000) + 1) * 1000
    if (Date.now() < next) await new Promise((resolve) => setTimeout(resolve, next - Date.now() + 5))
  }
}

function verifyRolledBack(before: (string | null)[], after: (string | null)[]): string | undefined {
  const same = after.filter((target, i) => target === null || target === before[i]).length
  return same === 0 ? undefined : `rollback reported success but current did not move on ${same} host(s)`
}
