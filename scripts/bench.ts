/**
 * `npm run bench`: berth next to Capistrano 3, shipit-deploy and a floor of raw ssh/tar, on a
 * fleet of real sshd hosts on loopback. Prints a table and writes docs/benchmarks.md.
 *
 *   npm run bench                    1, 10 and 25 hosts, 3 runs each (about 20 minutes)
 *   npm run bench -- --hosts 10      only 10 hosts (a list works too: --hosts 1,10)
 *   npm run bench -- --quick         1 run, 10 hosts
 *   options: --runs N, --no-tmpfs (hosts on this machine's disk), --out FILE,
 *            --render FILE.json (only rewrite the markdown from a saved result)
 *
 * Needs root (mount namespaces for the hosts' /srv, a tmpfs, apt-get for Capistrano).
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startFleet, type Fleet } from '../test/helpers/fleet.js'
import { changeOneFile, generateApp, type BenchApp } from '../bench/app.js'
import { ROOT, berthTool } from '../bench/berth.js'
import { benchAbort, type Timed } from '../bench/exec.js'
import { floorConnect, floorTar } from '../bench/floor.js'
import { capistranoTool, installCapistrano } from '../bench/peers/capistrano.js'
import { installShipit, shipitTool } from '../bench/peers/shipit.js'
import { renderConsole, renderMarkdown, type BenchResult, type ToolInfo } from '../bench/report.js'
import { FLOOR, SCENARIOS, type Sample, type Scenario } from '../bench/stats.js'
import type { Traffic } from '../bench/targets.js'
import { wipeHosts, type BenchTool } from '../bench/tool.js'
import { createTrafficMeter } from '../bench/traffic.js'
import { verifyDeployed, liveTargets } from '../bench/verify.js'

const run = promisify(execFile)

interface Options {
  hostCounts: number[]
  runs: number
  tmpfs: boolean
  out: string
  mode: string
  /** Re-render the markdown from a saved JSON result instead of running. */
  render?: string
}

function parseArgs(argv: string[]): Options {
  const options: Options = { hostCounts: [1, 10, 25], runs: 3, tmpfs: true, out: join(ROOT, 'docs', 'benchmarks.md'), mode: 'full' }
  const modes: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === '--quick') {
      options.runs = 1
      options.hostCounts = [10]
      modes.push('--quick')
    } else if (arg === '--hosts') {
      const text = value()
      options.hostCounts = text.split(',').map(Number)
      if (options.hostCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 38)) throw new Error(`--hosts: expected counts from 1 to 38, got ${text}`)
      modes.push(`--hosts ${text}`)
    } else if (arg === '--runs') {
      options.runs = Number(value())
      if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error('--runs: expected a positive integer')
      modes.push(`--runs ${options.runs}`)
    } else if (arg === '--no-tmpfs') {
      options.tmpfs = false
      modes.push('--no-tmpfs')
    } else if (arg === '--out') options.out = value()
    else if (arg === '--render') options.render = value()
    else throw new Error(`unknown option ${arg} (see the top of scripts/bench.ts)`)
  }
  options.mode = modes.length === 0 ? 'full: 1, 10 and 25 hosts, 3 runs' : modes.join(' ')
  return options
}

const log = (line: string): void => void process.stderr.write(`${line}\n`)
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  if (options.render !== undefined) {
    const saved = JSON.parse(readFileSync(options.render, 'utf8')) as BenchResult
    process.stdout.write(`${renderConsole(saved)}\n`)
    writeFileSync(options.out, renderMarkdown(saved))
    return 0
  }
  const started = Date.now()
  const loadAtStart = loadText()
  if (process.getuid?.() !== 0) throw new Error('the bench needs root: mount namespaces give each host its own /srv')
  log('building berth (npm run build)')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })

  const scratch = mkdtempSync(join(tmpdir(), 'berth-bench-'))
  let tmpfs = 'this machine\'s disk (--no-tmpfs)'
  let mounted = false
  let fleet: Fleet | undefined
  /** While the daemons start: an interrupt then must wait for them, to stop them all. */
  let starting: Promise<Fleet> | undefined
  const cleanup = async (): Promise<void> => {
    if (fleet === undefined && starting !== undefined) fleet = await starting.catch(() => undefined)
    await fleet?.stop().catch(() => undefined)
    fleet = undefined
    // Connections the daemons had just closed may hold the mount for a moment.
    for (let attempt = 0; mounted && attempt < 20; attempt++) {
      try {
        await run('umount', [scratch])
        mounted = false
      } catch (error) {
        if (attempt === 19) log(`umount ${scratch}: ${(error as Error).message}`)
        else await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
    rmSync(scratch, { recursive: true, force: true })
  }
  // Ctrl-C stops the command being measured and any further one; the run then ends and
  // cleans up as usual (daemons, tmpfs) before exit 130. It reaches this process twice
  // (from the terminal and relayed by tsx): only the first counts.
  const interrupt = (): void => {
    if (benchAbort.signal.aborted) return
    log('interrupted: stopping and cleaning up…')
    benchAbort.abort()
  }
  process.on('SIGINT', interrupt)
  process.on('SIGTERM', interrupt)
  const peersDir = join(tmpdir(), 'berth-bench-peers')
  try {
    if (options.tmpfs) {
      try {
        await run('mount', ['-t', 'tmpfs', '-o', 'size=20g,mode=0755', 'berth-bench', scratch])
        mounted = true
        tmpfs = 'a tmpfs mounted by the bench (also TMPDIR of every tool, e.g. berth\'s staging tree)'
        // Local temp files too (berth's staging tree, GNU time's output): compare tools, not disks.
        mkdirSync(join(scratch, 'tmp'))
        process.env.TMPDIR = join(scratch, 'tmp')
      } catch (error) {
        tmpfs = `this machine's disk (mounting a tmpfs failed: ${(error as Error).message.split('\n')[0]})`
      }
    }
    log(`scratch ${scratch} on ${tmpfs}`)
    const app = await generateApp(join(scratch, 'app'))
    log(`app: ${app.files} files, ${(app.bytes / 1024 / 1024).toFixed(1)} MB`)

    log('installing peers (Capistrano with apt-get, shipit-deploy with npm into a scratch dir)')
    const [cap, shipit] = await Promise.all([installCapistrano(), installShipit(join(peersDir, 'shipit'))])
    starting = startFleet({ hosts: Math.max(...options.hostCounts), baseDir: scratch })
    fleet = await starting
    starting = undefined
    const context = (name: string) => ({ fleet: fleet!, app, work: join(scratch, 'work', name) })
    const tools: BenchTool[] = [berthTool(context('berth'))]
    const infos: ToolInfo[] = [{ name: 'berth', version: berthVersion() }]
    if (cap.ok) tools.push(capistranoTool(context('cap')))
    infos.push(cap.ok ? { name: 'capistrano', version: `Capistrano ${cap.version} (${tryVersion('ruby', ['--version'])})` } : { name: 'capistrano', missing: cap.reason })
    if (shipit.ok) tools.push(shipitTool(context('shipit'), join(peersDir, 'shipit')))
    infos.push(shipit.ok ? { name: 'shipit-deploy', version: shipit.version } : { name: 'shipit-deploy', missing: shipit.reason })
    for (const info of infos) log(`${info.name}: ${info.missing === undefined ? info.version : `not installed: ${info.missing}`}`)

    const samples: Sample[] = []
    const traffic: Traffic[] = []
    const bench = new Bench(fleet, app, tools, samples)
    for (const hosts of options.hostCounts) {
      const names = fleet.hosts.slice(0, hosts).map((h) => h.name)
      for (const tool of tools) await tool.configure(names)
      for (let r = 1; r <= options.runs; r++) {
        log(`— ${hosts} host${hosts === 1 ? '' : 's'}, run ${r}/${options.runs}`)
        await bench.round(hosts, names, r)
      }
      if (hosts === (options.hostCounts.includes(10) ? 10 : Math.max(...options.hostCounts))) {
        traffic.push(...(await measureTraffic(fleet, app, names, join(scratch, 'traffic'), join(peersDir, 'shipit'), shipit.ok)))
      }
      for (const tool of tools) await wipeHosts(fleet, tool.deployTo)
    }

    const result: BenchResult = {
      mode: options.mode,
      startedAt: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
      durationS: (Date.now() - started) / 1000,
      machine: { ...machineFacts(), 'load average (1, 5, 15 min)': `${loadAtStart} at start, ${loadText()} at the end (other work on this machine shows here)` },
      tmpfs,
      tools: infos,
      hostCounts: options.hostCounts,
      runs: options.runs,
      app: { files: app.files, bytes: app.bytes, changedFile: app.changedFile },
      samples,
      traffic,
    }
    process.stdout.write(`\n${renderConsole(result)}\n`)
    mkdirSync(join(options.out, '..'), { recursive: true })
    writeFileSync(options.out, renderMarkdown(result))
    writeFileSync(options.out.replace(/\.md$/, '.json'), `${JSON.stringify(result, null, 2)}\n`)
    log(`\nwrote ${options.out}`)
    return 0
  } finally {
    await cleanup()
  }
}

/** One run of every scenario, tools interleaved within each scenario. */
class Bench {
  /** Release names have one-second resolution: a tool's next deploy starts in a new second. */
  private readonly lastEnd = new Map<string, number>()
  private change = 0

  constructor(
    private readonly fleet: Fleet,
    private readonly app: BenchApp,
    private readonly tools: BenchTool[],
    private readonly samples: Sample[],
  ) {}

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
    log(`  ${scenario.padEnd(9)} ${tool.padEnd(13)} ${problem === undefined ? seconds(result.ms) : `failed: ${problem}`}${rss}`)
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

/** One untimed one-file redeploy and no-change redeploy per tool, through the ssh shim. */
async function measureTraffic(fleet: Fleet, app: BenchApp, names: string[], dir: string, shipitScratch: string, hasShipit: boolean): Promise<Traffic[]> {
  const meter = createTrafficMeter(dir)
  const context = (name: string) => ({ fleet, app, work: join(dir, 'work', name) })
  const tools = [berthTool(context('berth'), { env: meter.env }), ...(hasShipit ? [shipitTool(context('shipit'), shipitScratch, { env: meter.env })] : [])]
  const out: Traffic[] = []
  for (const tool of tools) {
    await tool.configure(names)
    await tool.reset()
    const cold = await tool.deploy()
    if (!cold.ok) {
      log(`  traffic: ${tool.name} cold deploy failed: ${cold.error}`)
      continue
    }
    for (const scenario of ['one-file', 'no-change'] as const) {
      if (scenario === 'one-file') await changeOneFile(app, 1000 + out.length)
      await new Promise((resolve) => setTimeout(resolve, 1000))
      meter.reset()
      const result = await tool.deploy()
      // The masters log "Transferred:" as they exit, just after the CLI does.
      await new Promise((resolve) => setTimeout(resolve, 300))
      if (!result.ok) {
        log(`  traffic: ${tool.name} ${scenario} failed: ${result.error}`)
        continue
      }
      const bytesPerHost = meter.sentBytes() / names.length
      out.push({ tool: tool.name, scenario, hosts: names.length, bytesPerHost })
      log(`  traffic ${tool.name} ${scenario}: ${(bytesPerHost / 1024).toFixed(1)} KB sent to each host`)
    }
    await tool.reset()
  }
  return out
}

function tryVersion(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0]!
  } catch {
    return `${file}: not found`
  }
}

function berthVersion(): string {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  const sha = tryVersion('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])
  const dirty = tryVersion('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']) === '' ? '' : ', src/ has uncommitted changes'
  return `${version} (commit ${sha}${dirty})`
}

const loadText = (): string => loadavg().map((n) => n.toFixed(2)).join(', ')

function machineFacts(): Record<string, string> {
  const os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown'
  return {
    cores: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(0)} GiB`,
    kernel: `${release()} (\`uname -r\`)`,
    os,
    node: process.version,
    // `ssh -V` prints to stderr.
    openssh: tryVersion('sh', ['-c', 'ssh -V 2>&1']),
    git: tryVersion('git', ['--version']),
    rsync: tryVersion('rsync', ['--version']),
    tar: tryVersion('tar', ['--version']),
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (benchAbort.signal.aborted) {
      log('interrupted: nothing written; the fleet and the tmpfs are gone')
      process.exitCode = 130
      return
    }
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exitCode = 1
  },
)
