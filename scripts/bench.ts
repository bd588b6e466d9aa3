/**
 * `npm run bench`: berth's delivery modes (direct, relay, store) next to Capistrano 3,
 * shipit-deploy and a floor of raw ssh/tar, on a fleet of real sshd hosts on loopback.
 * Prints a table and writes docs/benchmarks.md, and docs/scale.md (bench/scale-model.ts:
 * deploy time and bytes out from 10 to 10,000 hosts, from the per-host costs measured).
 *
 *   npm run bench                    10 and 100 hosts, direct, relay and store, 3 runs each
 *   npm run bench -- --hosts 10      only 10 hosts (a list works too: --hosts 1,10; at most 100)
 *   npm run bench -- --via direct    only these delivery modes (a list works too: --via direct,store)
 *   npm run bench -- --quick         1 run, 10 hosts
 *   options: --runs N, --no-tmpfs (hosts on this machine's disk), --out FILE, --scale-out FILE,
 *            --render FILE.json (only rewrite the markdown, both files, from a saved result)
 *
 * Each mode deploys to its own directory on the hosts; `relay` goes through the primary
 * (web1, given the fleet's client key: berth hands it the known_hosts entries), `store`
 * through an S3-protocol server on loopback (s3rver, test/helpers/s3-server.ts). From 100
 * hosts (or at every count with --bastion), direct also runs with every host behind one
 * bastion whose sshd keeps the default `MaxStartups 10:30:100`, at `--concurrency 100`,
 * and the refusals in the bastion's log are counted. Peers run only up to 25 hosts.
 * Bytes out per deploy (ssh clients' "Transferred:" lines, plus the S3 server's received
 * bytes) come from one more untimed pass per mode and host count.
 *
 * Before/after a change, in one run on one machine: an earlier berth is measured as one more
 * tool, `berth (baseline)` (its own /srv/berth-baseline on the hosts, interleaved like the
 * peers), and the table gains its column and a berth÷baseline ratio.
 *   --baseline DIR       another checkout of berth, already built (DIR/bin/berth.js)
 *   --baseline-ref REF   a commit of this repository: checked out into a temporary git
 *                        worktree, `npm ci` and `npm run build` there, removed at the end
 *   --no-peers           leave out Capistrano and shipit-deploy (neither installed nor run)
 *   e.g. npm run bench -- --hosts 10 --runs 3 --no-peers --baseline-ref main
 *
 * Dependency reuse: `--deps` runs only that scenario (bench/deps.ts): a small app with
 * dozens of real npm packages installed by `npm ci` on the hosts (no network), deployed
 * without an install hook, with one, and with one plus `reuse: [node_modules]`; it writes
 * docs/benchmarks-deps.md. e.g. npm run bench -- --deps --hosts 3 --runs 3
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
import { Bench } from '../bench/round.js'
import { generateDepsApp } from '../bench/deps-app.js'
import { renderDepsReport, runDepsBench } from '../bench/deps.js'
import { checkoutBaseline, openBaseline, type Baseline, type BaselineCheckout } from '../bench/baseline.js'
import { ROOT, baselineTool } from '../bench/berth.js'
import { benchAbort } from '../bench/exec.js'
import { BenchUsageError, parseBenchArgs } from '../bench/options.js'
import { capistranoTool, installCapistrano, type PeerInstall } from '../bench/peers/capistrano.js'
import { installShipit, shipitTool } from '../bench/peers/shipit.js'
import { renderConsole, renderMarkdown, type BenchResult, type ToolInfo } from '../bench/report.js'
import { BASELINE, type Sample } from '../bench/stats.js'
import type { Traffic } from '../bench/targets.js'
import { wipeHosts, type BenchTool } from '../bench/tool.js'
import { createTrafficMeter } from '../bench/traffic.js'
import { berthVersion, tryVersion } from '../bench/versions.js'
import { measureBytes, trafficOf, type BytesOut } from '../bench/bytes.js'
import { hostsCpuMs } from '../bench/host-cpu.js'
import { BASTION_CONCURRENCY, BASTION_TOOL, bastionTool, countRefusals, giveRelayKey, modeTool, writeBastionSshConfig, type Mode } from '../bench/modes.js'
import { renderScale } from '../bench/scale-report.js'
import type { S3Server } from '../test/helpers/s3-server.js'

const run = promisify(execFile)

const log = (line: string): void => void process.stderr.write(`${line}\n`)

async function main(): Promise<number> {
  const options = parseBenchArgs(process.argv.slice(2), ROOT)
  if (options.render !== undefined) {
    const saved = JSON.parse(readFileSync(options.render, 'utf8')) as BenchResult
    process.stdout.write(`${renderConsole(saved)}\n`)
    writeFileSync(options.out, renderMarkdown(saved))
    writeFileSync(options.scaleOut, renderScale(saved))
    log(`wrote ${options.out} and ${options.scaleOut}`)
    return 0
  }
  const started = Date.now()
  const loadAtStart = loadText()
  if (process.getuid?.() !== 0) throw new Error('the bench needs root: mount namespaces give each host its own /srv')
  // A baseline that is not built stops the run before anything is built or mounted.
  let baseline: Baseline | undefined = options.baselineDir === undefined ? undefined : openBaseline(options.baselineDir)
  log('building berth (npm run build)')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })

  const scratch = mkdtempSync(join(tmpdir(), 'berth-bench-'))
  let tmpfs = 'this machine\'s disk (--no-tmpfs)'
  let mounted = false
  let fleet: Fleet | undefined
  /** While the daemons start: an interrupt then must wait for them, to stop them all. */
  let starting: Promise<Fleet> | undefined
  let checkout: BaselineCheckout | undefined
  let s3: S3Server | undefined
  const cleanup = async (): Promise<void> => {
    await checkout?.remove()
    await s3?.stop().catch(() => undefined)
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
    if (options.baselineRef !== undefined) {
      // Before TMPDIR moves to the tmpfs: both CLIs then load from the same kind of disk.
      checkout = await checkoutBaseline(ROOT, options.baselineRef, { signal: benchAbort.signal, log })
      baseline = openBaseline(checkout.dir)
    }
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
    if (options.deps === true) {
      const deps = await generateDepsApp(join(scratch, 'deps-app'), ROOT, scratch)
      log(`deps app: ${deps.packages} packages, ${(deps.tarballBytes / 1024 / 1024).toFixed(1)} MB of tarballs`)
      starting = startFleet({ hosts: Math.max(...options.hostCounts), baseDir: scratch })
      fleet = await starting
      starting = undefined
      const samples = await runDepsBench({ fleet, app: deps, hostCounts: options.hostCounts, runs: options.runs, work: join(scratch, 'work', 'deps'), log })
      const report = renderDepsReport(samples, deps, { mode: options.mode, disks: tmpfs, startedAt: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z') })
      process.stdout.write(`\n${report}`)
      writeFileSync(options.out, report)
      log(`\nwrote ${options.out}`)
      return 0
    }
    const app = await generateApp(join(scratch, 'app'))
    log(`app: ${app.files} files, ${(app.bytes / 1024 / 1024).toFixed(1)} MB`)

    const peers = options.skipPeers || Math.min(...options.hostCounts) > PEER_MAX_HOSTS ? undefined : await installPeers(join(peersDir, 'shipit'))
    const maxHosts = Math.max(...options.hostCounts)
    const bastionAt = (hosts: number): boolean => options.bastion || hosts >= BASTION_FROM
    starting = startFleet({ hosts: maxHosts, baseDir: scratch, bastion: options.hostCounts.some(bastionAt) })
    fleet = await starting
    starting = undefined
    log(`fleet: ${fleet.hosts.length} hosts${fleet.bastion === undefined ? '' : ' and a bastion (default MaxStartups)'}`)
    if (options.via.includes('store')) {
      const { startS3Server } = await import('../test/helpers/s3-server.js')
      s3 = await startS3Server({ baseDir: join(scratch, 's3') })
      log(`store: s3rver at ${s3.endpoint}, bucket ${s3.bucket}`)
    }
    if (options.via.includes('relay')) await giveRelayKey(fleet, fleet.hosts[0]!.name)
    const context = (name: string) => ({ fleet: fleet!, app, work: join(scratch, 'work', name) })
    const setup = { ...(s3 === undefined ? {} : { s3 }) }
    const modeTools = options.via.map((mode) => ({ mode, tool: modeTool(mode, context(`berth-${mode}`), setup) }))
    const tools: BenchTool[] = modeTools.map((m) => m.tool)
    const infos: ToolInfo[] = [{ name: 'berth', version: berthVersion(ROOT), ...(options.via.includes('direct') ? {} : { skipped: `--via ${options.via.join(',')}` }) }]
    if (baseline !== undefined) {
      tools.push(baselineTool(context('berth-baseline'), baseline.bin))
      infos.push({ name: BASELINE, version: baseline.version })
    }
    if (peers === undefined) infos.push({ name: 'capistrano', skipped: '--no-peers' }, { name: 'shipit-deploy', skipped: '--no-peers' })
    else {
      const { cap, shipit } = peers
      if (cap.ok) tools.push(capistranoTool(context('cap')))
      infos.push(cap.ok ? { name: 'capistrano', version: `Capistrano ${cap.version} (${tryVersion('ruby', ['--version'])})` } : { name: 'capistrano', missing: cap.reason })
      if (shipit.ok) tools.push(shipitTool(context('shipit'), join(peersDir, 'shipit')))
      infos.push(shipit.ok ? { name: 'shipit-deploy', version: shipit.version } : { name: 'shipit-deploy', missing: shipit.reason })
    }
    for (const info of infos) {
      log(`${info.name}: ${info.skipped !== undefined ? `not measured (${info.skipped})` : info.missing === undefined ? info.version : `not installed: ${info.missing}`}`)
    }

    const bastion = fleet.bastion === undefined ? undefined : bastionTool(context('berth-bastion'), await writeBastionSshConfig(fleet, join(scratch, 'ssh_config.bastion')))
    const bastionLog = fleet.bastion?.logFile
    const samples: Sample[] = []
    const traffic: Traffic[] = []
    const bytes: BytesOut[] = []
    const probes = {
      hostCpuMs: () => hostsCpuMs(fleet!.root),
      ...(bastionLog === undefined ? {} : { refusals: { tools: [BASTION_TOOL], count: () => countRefusals(readFileSync(bastionLog, 'utf8')) } }),
    }
    const bench = new Bench(fleet, app, bastion === undefined ? tools : [...tools, bastion], samples, log, probes)
    const isPeer = (tool: BenchTool): boolean => tool.name === 'capistrano' || tool.name === 'shipit-deploy'
    let change = 1000
    for (const hosts of options.hostCounts) {
      const names = fleet.hosts.slice(0, hosts).map((h) => h.name)
      // Peers stay at the host counts they were always measured at.
      const here = [...tools.filter((tool) => hosts <= PEER_MAX_HOSTS || !isPeer(tool)), ...(bastion !== undefined && bastionAt(hosts) ? [bastion] : [])]
      for (const tool of here) await tool.configure(names)
      for (let r = 1; r <= options.runs; r++) {
        log(`— ${hosts} host${hosts === 1 ? '' : 's'}, run ${r}/${options.runs}`)
        await bench.round(hosts, names, r, here, { oneToolAtATime: hosts > PEER_MAX_HOSTS })
      }
      bytes.push(...(await measureModeBytes(modeTools, { fleet, app, names, dir: join(scratch, 'bytes'), setup, change: () => ++change })))
      if (hosts === (options.hostCounts.includes(10) ? 10 : Math.max(...options.hostCounts))) {
        const shipitScratch = peers?.shipit.ok === true ? join(peersDir, 'shipit') : undefined
        traffic.push(...trafficOf(bytes, 'berth'), ...(await measureTraffic(fleet, app, names, join(scratch, 'traffic'), { shipitScratch, baselineBin: baseline?.bin })))
      }
      for (const tool of here) await wipeHosts(fleet, tool.deployTo)
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
      via: options.via,
      bytes,
      ...(bastion === undefined ? {} : { bastion: { hostCounts: options.hostCounts.filter(bastionAt), concurrency: BASTION_CONCURRENCY } }),
    }
    process.stdout.write(`\n${renderConsole(result)}\n`)
    mkdirSync(join(options.out, '..'), { recursive: true })
    writeFileSync(options.out, renderMarkdown(result))
    writeFileSync(options.out.replace(/\.md$/, '.json'), `${JSON.stringify(result, null, 2)}\n`)
    writeFileSync(options.scaleOut, renderScale(result))
    log(`\nwrote ${options.out} and ${options.scaleOut}`)
    return 0
  } finally {
    await cleanup()
  }
}

async function installPeers(shipitScratch: string): Promise<{ cap: PeerInstall; shipit: PeerInstall }> {
  log('installing peers (Capistrano with apt-get, shipit-deploy with npm into a scratch dir)')
  const [cap, shipit] = await Promise.all([installCapistrano(), installShipit(shipitScratch)])
  return { cap, shipit }
}

/** Peers are measured up to this many hosts, as they always were. */
const PEER_MAX_HOSTS = 25
/** From this many hosts, direct also runs behind the bastion. */
const BASTION_FROM = 100

/** The untimed bytes pass of every mode at one host count, through the ssh shim. */
async function measureModeBytes(
  modeTools: { mode: Mode }[],
  input: { fleet: Fleet; app: BenchApp; names: string[]; dir: string; setup: { s3?: S3Server }; change: () => number },
): Promise<BytesOut[]> {
  const meter = createTrafficMeter(input.dir)
  const out: BytesOut[] = []
  for (const { mode } of modeTools) {
    const tool = modeTool(mode, { fleet: input.fleet, app: input.app, work: join(input.dir, 'work', mode) }, { ...input.setup, env: meter.env })
    await tool.configure(input.names)
    const s3 = input.setup.s3
    out.push(...(await measureBytes(tool, { meter, app: input.app, hosts: input.names.length, ...(mode === 'store' && s3 !== undefined ? { storeBytesIn: () => s3.bytesIn(), storeGets: () => s3.gets() } : {}), change: input.change, log })))
  }
  return out
}

/**
 * One untimed one-file redeploy and no-change redeploy per tool, through the ssh shim:
 * the baseline when there is one, shipit-deploy when it is installed (berth's own comes
 * from the bytes pass).
 */
async function measureTraffic(
  fleet: Fleet,
  app: BenchApp,
  names: string[],
  dir: string,
  extra: { shipitScratch: string | undefined; baselineBin: string | undefined },
): Promise<Traffic[]> {
  const meter = createTrafficMeter(dir)
  const context = (name: string) => ({ fleet, app, work: join(dir, 'work', name) })
  const tools = [
    ...(extra.baselineBin === undefined ? [] : [baselineTool(context('berth-baseline'), extra.baselineBin, { env: meter.env })]),
    ...(extra.shipitScratch === undefined ? [] : [shipitTool(context('shipit'), extra.shipitScratch, { env: meter.env })]),
  ]
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
    if (error instanceof BenchUsageError) log(`bench: ${error.message}`)
    else log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exitCode = 1
  },
)
