/**
 * `npm run torture`: many real deploys and rollbacks with the built CLI against a fleet of
 * real sshd hosts, damaged at random points (docs/reliability.md), with a reader on every
 * host's `current` throughout. Prints the counts and exits 1 unless every failure count is 0.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CALM } from './app.js'
import { runBerth, type RunResult } from './berth-run.js'
import { checkRun, snapshot } from './check.js'
import { USAGE, parseOptions, type TortureOptions } from './options.js'
import { seededRandom } from './random.js'
import { startReader } from './reader.js'
import { SCENARIO_WEIGHTS, runScenario, type Scenario } from './scenarios.js'
import { Tally } from './tally.js'
import { openWorld, type World } from './world.js'

export async function main(argv: readonly string[]): Promise<number> {
  let options: TortureOptions
  try {
    options = parseOptions(argv, () => Math.floor(Math.random() * 0xffffffff))
  } catch (error) {
    process.stderr.write(`torture: ${(error as Error).message}\n${USAGE}\n`)
    return 2
  }
  const replay = `npm run torture -- --seed ${options.seed} --hosts ${options.hosts} ${options.runs !== null ? `--runs ${options.runs}` : `--minutes ${options.minutes}`}`
  log(`seed ${options.seed}, ${options.hosts} hosts, ${options.runs !== null ? `${options.runs} runs` : `${options.minutes} minutes`}`)
  const random = seededRandom(options.seed)
  const tally = new Tally()
  const world = await openWorld(options.hosts, random)
  const started = Date.now()
  // Each run's whole output, kept when something failed: what to read next to the replay.
  const logs = mkdtempSync(join(tmpdir(), `berth-torture-${options.seed}-`))
  let reader: ReturnType<typeof startReader> | null = null
  try {
    world.commit(CALM)
    const first = await calm(world, world.machines.a)
    if (first.code !== 0) throw new Error(`the first deploy failed (exit ${first.code}):\n${first.stdout}\n${first.stderr}`)
    reader = startReader(world.hosts)
    let typicalMs = first.ms
    // Ctrl-C ends the torture after the current run, with its counts and the fleet taken down
    // (the tmpfs unmounted); a second one ends it at once.
    let stopping = false
    process.once('SIGINT', () => {
      stopping = true
      log('stopping after this run (Ctrl-C again to stop now)')
      process.once('SIGINT', () => process.exit(130))
    })
    const more = (): boolean =>
      !stopping && (options.runs !== null ? tally.runs < options.runs : Date.now() - started < (options.minutes ?? 0) * 60_000)
    let holder: NodeJS.ProcessEnv | null = null
    while (more()) {
      const kind = random.weighted(SCENARIO_WEIGHTS)
      const before = snapshot(world.hosts)
      await nextSecond()
      const scenario = await runScenario(world, random, kind, typicalMs, holder)
      count(tally, scenario)
      for (const note of scenario.notes) tally.note(note)
      // A SIGKILLed CLI cannot stop its hooks on the hosts; whether they are stopped there
      // is the hosts' side of the lock (seen here, not counted as a failure).
      if (scenario.sigkilled && execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes('torture/hook.sh')) tally.note('hooks still running on a host after their run was SIGKILLed')
      const clean = scenario.results.find((r) => r.hit === null && r.code === 0)
      if (clean !== undefined) typicalMs = Math.round(typicalMs * 0.7 + clean.ms * 0.3)
      const locked = await checkRun(tally, { hosts: world.hosts, before, scenario, statusDisagrees: () => statusDisagrees(world), committed: world.committed, tracked: world.tracked })
      await recover(world, tally, scenario, locked)
      holder = world.hosts.map((h) => world.lockHolder(h.dir)).find((env) => env !== null) ?? null
      const name = `${String(tally.runs).padStart(4, '0')}-${scenario.kind}.log`
      writeFileSync(join(logs, name), [scenario.label, ...scenario.results.map((r) => `--- ${describe(r)}\n${r.stdout}\n--- stderr\n${r.stderr}`)].join('\n'))
      log(`#${tally.runs} ${scenario.label} -> ${scenario.results.map(describe).join(' / ')}${locked.length > 0 ? ` (locked: ${locked.join(', ')})` : ''}${tally.failed > 0 ? ` [${tally.failed} failures so far]` : ''}`)
    }
    await finalCheck(world, tally)
  } finally {
    const seen = reader?.stop()
    if (seen !== undefined) {
      tally.readerSamples = seen.samples
      if (seen.broken > 0) tally.fail('readerBroken', seen.examples.join('; '), seen.broken)
    }
    await world.close()
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1)
  process.stdout.write(`\n== torture: seed ${options.seed}, ${options.hosts} hosts, ${minutes} min\n${tally.render()}\n`)
  if (tally.failed === 0) {
    rmSync(logs, { recursive: true, force: true })
    return 0
  }
  process.stdout.write(`\n${tally.details.join('\n')}\n\nevery run's output: ${logs}\nreplay: ${replay}\n`)
  return 1
}

function calm(world: World, env: NodeJS.ProcessEnv, args = ['deploy', 'production', '--json']): Promise<RunResult> {
  return runBerth({ args, cwd: world.project.dir, env, damage: { kind: 'none' } })
}

function count(tally: Tally, scenario: Scenario): void {
  for (const result of scenario.results) {
    tally.runs++
    if (result.events.some((e) => e.kind === 'run:start' && (e as { command?: string }).command === 'rollback') || scenario.label.startsWith('rollback')) tally.rollbacks++
    else tally.deploys++
    if (result.hit !== null) tally.count(tally.damage, result.hit.what)
  }
  if (['sshd-kill', 'disk-fill', 'disk-full', 'race'].includes(scenario.kind)) tally.count(tally.damage, scenario.kind)
  if (scenario.results.some((r) => /"kind":"lock:broken"/.test(r.stdout))) tally.note('dead holders\' locks broken by the next run')
}

/**
 * What a person does after a run: frees the disk that filled, and when berth refused to run
 * because of a lock that only `unlock --force` opens (exit 3 with nobody else deploying),
 * forces it, counted. A lock left by a SIGKILLed run stays for the next run to deal with.
 */
async function recover(world: World, tally: Tally, scenario: Scenario, locked: string[]): Promise<void> {
  const ballast = join(world.diskHost.dir, 'ballast')
  if (existsSync(ballast)) {
    rmSync(ballast)
    tally.note('full disks freed by hand')
  }
  const refused = scenario.raced ? undefined : scenario.results.find((r) => r.code === 3)
  if (refused === undefined || locked.length === 0) return
  // Only where berth itself says so: a lock it calls stale, or one without a holder. (A
  // lock it says to wait for is left to its holder's machine, the next run's.)
  if (/unlock[^\n]*--force/.test(refused.stdout + refused.stderr)) await forceUnlock(world, tally)
  else tally.note('exit 3, berth said to wait for the holder (left to the holder\'s machine)')
}

async function forceUnlock(world: World, tally: Tally): Promise<void> {
  const result = await calm(world, world.machines.a, ['unlock', 'production', '--force'])
  tally.note('unlock --force (berth said the lock needs it)')
  const still = world.hosts.filter((h) => existsSync(join(h.dir, '.berth', 'lock')))
  if (result.code !== 0 || still.length > 0) tally.fail('leakedLocks', `unlock --force exit ${result.code}, still locked: ${still.map((h) => h.name).join(', ')}`)
}

/** At the end, a plain deploy must go through on every host and leave no lock. */
async function finalCheck(world: World, tally: Tally): Promise<void> {
  world.commit(CALM)
  // From the machine holding a lock a dead run left, if any: it breaks that lock itself.
  const machine = world.hosts.map((h) => world.lockHolder(h.dir)).find((env) => env !== null) ?? world.machines.a
  let result = await calm(world, machine)
  if (result.code === 3 && /unlock[^\n]*--force/.test(result.stdout + result.stderr)) {
    await forceUnlock(world, tally)
    result = await calm(world, machine)
  }
  if (result.code !== 0) {
    const why = result.stdout.split('\n').filter((line) => line.includes('"kind":"error"')).join(' ').slice(0, 600)
    tally.fail('finalDeploy', `exit ${result.code}: ${why || result.stderr.trim().split('\n').slice(-3).join(' | ')}`)
  }
  const still = world.hosts.filter((h) => existsSync(join(h.dir, '.berth', 'lock')))
  if (still.length > 0) tally.fail('leakedLocks', `locked at the end: ${still.map((h) => h.name).join(', ')}`)
}

async function statusDisagrees(world: World): Promise<boolean> {
  const result = await calm(world, world.machines.a, ['status', 'production', '--json'])
  return /"disagree":true/.test(result.stdout)
}

function describe(result: RunResult): string {
  const end = result.signal ?? `exit ${result.code}`
  return result.hit === null ? end : `${result.hit.what} in ${result.hit.step}, ${end}`
}

/** Release names have one-second resolution: no two runs start in the same second. */
let lastSecond = 0
async function nextSecond(): Promise<void> {
  const now = Date.now()
  if (Math.floor(now / 1000) === lastSecond) await new Promise((r) => setTimeout(r, 1000 - (now % 1000) + 5))
  lastSecond = Math.floor(Date.now() / 1000)
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
}
