/**
 * The timed part of the benchmark: one run of every scenario at one host count, each tool
 * checked on the hosts' disks after it reports success, and a floor after the tools.
 */
import type { Fleet } from '../test/helpers/fleet.js'
import { changeOneFile, type BenchApp } from './app.js'
import type { Timed } from './exec.js'
import { FLOOR_DIR, floorConnect, floorTar } from './floor.js'
import { FLOOR, SCENARIOS, type Sample, type Scenario } from './stats.js'
import { wipeHosts, type BenchTool } from './tool.js'
import { liveTargets, verifyDeployed } from './verify.js'

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

/** Measurements taken around each run, outside the timed command. */
export interface Probes {
  /** CPU the hosts have spent so far (ms). */
  hostCpuMs?: () => number
  /** Refusals the bastion has logged so far, for the tools that go through it. */
  refusals?: { tools: string[]; count: () => number }
}

/** After a run, how long its hosts' sshd children may take to end and be counted. */
const SETTLE_MS = 200

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
    private readonly probes: Probes = {},
  ) {
    this.nameWidth = Math.max(FLOOR.length, 'shipit-deploy'.length, ...tools.map((t) => t.name.length))
  }

  /**
   * One run of every scenario with `tools` (by default all of them) and the floor. Tools
   * interleave within each scenario, so machine noise hits all alike; `oneToolAtATime`
   * instead runs each tool's four scenarios in a row and removes its releases before the
   * next tool's: on a large fleet on a tmpfs, every tool's releases at once would not fit
   * in memory (100 hosts × 3 releases × 30 MB is 9 GB per tool).
   */
  async round(hosts: number, names: string[], run: number, tools: BenchTool[] = this.tools, options: { oneToolAtATime?: boolean } = {}): Promise<void> {
    if (options.oneToolAtATime === true) {
      for (const tool of tools) {
        for (const scenario of SCENARIOS) {
          if (scenario === 'one-file') await changeOneFile(this.app, ++this.change)
          await this.measure(hosts, names, run, scenario, tool)
        }
        await wipeHosts(this.fleet, tool.deployTo)
      }
      for (const scenario of SCENARIOS) await this.measureFloor(hosts, names, run, scenario)
    } else {
      for (const scenario of SCENARIOS) {
        if (scenario === 'one-file') await changeOneFile(this.app, ++this.change)
        for (const tool of tools) await this.measure(hosts, names, run, scenario, tool)
        await this.measureFloor(hosts, names, run, scenario)
      }
    }
    await wipeHosts(this.fleet, FLOOR_DIR)
  }

  private async measure(hosts: number, names: string[], run: number, scenario: Scenario, tool: BenchTool): Promise<void> {
    if (scenario === 'cold') await tool.reset()
    await this.nextSecond(tool.name)
    const before = scenario === 'rollback' ? liveTargets(this.fleet, names, tool.deployTo) : []
    const watch = this.probes.refusals?.tools.includes(tool.name) === true ? this.probes.refusals : undefined
    const [cpuBefore, refusedBefore] = [this.probes.hostCpuMs?.(), watch?.count()]
    const result: Measured = scenario === 'rollback' ? await tool.rollback() : await tool.deploy()
    this.lastEnd.set(tool.name, Date.now())
    await this.settle()
    if (cpuBefore !== undefined) result.hostCpuMs = this.probes.hostCpuMs!() - cpuBefore
    if (refusedBefore !== undefined) result.refusals = watch!.count() - refusedBefore
    const problem = !result.ok
      ? result.error
      : scenario === 'rollback'
        ? verifyRolledBack(before, liveTargets(this.fleet, names, tool.deployTo))
        : verifyDeployed(this.fleet, names, tool.deployTo, this.app)
    this.record(hosts, scenario, tool.name, run, result, problem)
  }

  private async measureFloor(hosts: number, names: string[], run: number, scenario: Scenario): Promise<void> {
    const cpuBefore = this.probes.hostCpuMs?.()
    const floor: Measured =
      scenario === 'cold'
        ? await floorTar(this.fleet, names, this.app.dir, ['.'])
        : scenario === 'one-file'
          ? await floorTar(this.fleet, names, this.app.dir, [this.app.changedFile])
          : await floorConnect(this.fleet, names)
    await this.settle()
    if (cpuBefore !== undefined) floor.hostCpuMs = this.probes.hostCpuMs!() - cpuBefore
    this.record(hosts, scenario, FLOOR, run, floor, floor.ok ? undefined : floor.error)
  }

  private settle(): Promise<void> {
    return this.probes.hostCpuMs === undefined ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  }

  private record(hosts: number, scenario: Scenario, tool: string, run: number, result: Measured, problem: string | undefined): void {
    const sample: Sample = {
      hosts,
      scenario,
      tool,
      run,
      ...(result.rssKb === undefined ? {} : { rssKb: result.rssKb }),
      ...(result.cpuMs === undefined ? {} : { cpuMs: result.cpuMs }),
      ...(result.hostCpuMs === undefined ? {} : { hostCpuMs: result.hostCpuMs }),
      ...(result.refusals === undefined ? {} : { refusals: result.refusals }),
    }
    if (problem === undefined) sample.ms = result.ms
    else sample.error = problem
    this.samples.push(sample)
    const rss = result.rssKb === undefined ? '' : `, ${(result.rssKb / 1024).toFixed(0)} MB RSS`
    const cpu = result.cpuMs === undefined ? '' : `, CPU ${seconds(result.cpuMs)}${result.hostCpuMs === undefined ? '' : ` (hosts ${seconds(result.hostCpuMs)})`}`
    const refused = result.refusals === undefined ? '' : `, ${result.refusals} refused by the bastion`
    this.log(`  ${scenario.padEnd(9)} ${tool.padEnd(this.nameWidth)} ${problem === undefined ? seconds(result.ms) : `failed: ${problem}`}${rss}${cpu}${refused}`)
  }

  private async nextSecond(tool: string): Promise<void> {
    const last = this.lastEnd.get(tool)
    if (last === undefined) return
    const next = (Math.floor(last / 1000) + 1) * 1000
    if (Date.now() < next) await new Promise((resolve) => setTimeout(resolve, next - Date.now() + 5))
  }
}

/** A timed run with what was measured around it. */
type Measured = Timed & { hostCpuMs?: number; refusals?: number }

function verifyRolledBack(before: (string | null)[], after: (string | null)[]): string | undefined {
  const same = after.filter((target, i) => target === null || target === before[i]).length
  return same === 0 ? undefined : `rollback reported success but current did not move on ${same} host(s)`
}
