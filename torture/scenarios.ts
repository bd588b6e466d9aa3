/**
 * The damage operators meet, one scenario per run, chosen by the seeded random source:
 * signals at random instants or as a chosen step starts (SIGKILL, SIGHUP, SIGINT, SIGTERM),
 * a closed stdout, an sshd killed during the upload, a disk that fills (or is full already),
 * two machines deploying at once, and hooks that write into tracked files, some failing.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { CALM, randomPlan } from './app.js'
import { LANDMARKS, runBerth, type Damage, type RunResult } from './berth-run.js'
import type { Random } from './random.js'
import type { World } from './world.js'

export type ScenarioKind = 'deploy' | 'rollback' | 'signal' | 'closed-stdout' | 'sshd-kill' | 'disk-fill' | 'disk-full' | 'race'

export interface Scenario {
  kind: ScenarioKind
  /** One line that says what was done, for the log and a failure's replay note. */
  label: string
  results: RunResult[]
  /** Some run died of SIGKILL: it could not free its locks nor say anything. */
  sigkilled: boolean
  /** Hosts whose sshd was killed during the run (they could not be unlocked over it). */
  downHosts: string[]
  /** More than one berth ran at once. */
  raced: boolean
  /** Observations for the counts (not failures). */
  notes: string[]
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGKILL', 'SIGHUP', 'SIGINT', 'SIGTERM']
const ROLLBACK_LANDMARKS = ['connect', 'switch', 'switched', 'restart', 'closing'] as const

export const SCENARIO_WEIGHTS: readonly (readonly [ScenarioKind, number])[] = [
  ['deploy', 2],
  ['rollback', 1],
  ['signal', 7],
  ['closed-stdout', 2],
  ['sshd-kill', 1.5],
  ['disk-fill', 1],
  ['disk-full', 0.5],
  ['race', 2],
]

/**
 * Runs one scenario. `holder` is the machine whose dead run left a lock, when one did: a
 * single run then comes from it, as a person would go back to the machine that holds the
 * lock (berth breaks its own dead run's lock, and tells any other machine to wait).
 */
export async function runScenario(world: World, random: Random, kind: ScenarioKind, typicalMs: number, holder: NodeJS.ProcessEnv | null): Promise<Scenario> {
  const names = world.hosts.map((h) => h.name)
  const scenario: Scenario = { kind, label: kind, results: [], sigkilled: false, downHosts: [], raced: false, notes: [] }
  const base = { cwd: world.project.dir }
  const deployArgs = ['deploy', 'production', '--json']
  const machine = (): NodeJS.ProcessEnv => {
    const pick = random.chance(0.25) ? world.machines.b : world.machines.a
    return holder ?? pick
  }

  if (kind === 'deploy' || kind === 'rollback') {
    if (kind === 'deploy') world.commit(randomPlan(random, names))
    const args = kind === 'deploy' ? deployArgs : ['rollback', 'production', '--json']
    scenario.results.push(await runBerth({ ...base, args, env: machine(), damage: { kind: 'none' } }))
  } else if (kind === 'signal') {
    const signal = random.pick(SIGNALS)
    const isRollback = random.chance(0.25)
    if (!isRollback) world.commit(randomPlan(random, names))
    const damage: Damage = random.chance(0.5)
      ? { kind: 'signal', signal, afterMs: random.int(0, Math.round(typicalMs * 1.2)) }
      : { kind: 'signal-at-step', signal, step: random.pick(isRollback ? ROLLBACK_LANDMARKS : LANDMARKS), afterMs: random.int(0, 150) }
    scenario.label = `${isRollback ? 'rollback' : 'deploy'} + ${signal} ${damage.kind === 'signal' ? `after ${damage.afterMs} ms` : `${damage.afterMs} ms into ${damage.step}`}`
    const args = isRollback ? ['rollback', 'production', '--json'] : deployArgs
    scenario.results.push(await runBerth({ ...base, args, env: machine(), damage }))
  } else if (kind === 'closed-stdout') {
    world.commit(randomPlan(random, names))
    const args = random.chance(0.5) ? ['deploy', 'production', '-v'] : ['deploy', 'production']
    const afterLines = random.pick([1, 1, 3, 8, 15, 30])
    const stderrToo = random.chance(0.4)
    scenario.label = `${args.join(' ')}${stderrToo ? ' 2>&1' : ''} | head -${afterLines}`
    scenario.results.push(await runBerth({ ...base, args, env: machine(), damage: { kind: 'close-stdout', afterLines, stderrToo } }))
  } else if (kind === 'sshd-kill') {
    // A bigger upload, so the kill lands while it travels.
    world.commit(randomPlan(random, names), 2 * 1024 * 1024)
    const victim = world.sshdHost.name
    const delay = random.int(0, 80)
    scenario.label = `deploy, ${victim}'s sshd killed ${delay} ms into its upload`
    let killing: Promise<void> | null = null
    scenario.results.push(
      await runBerth({
        ...base,
        args: deployArgs,
        env: machine(),
        damage: { kind: 'none' },
        onEvent: (event) => {
          if (killing === null && event.kind === 'host:step' && event.step === 'fetch' && event.status === 'start' && event.host === victim) {
            killing = new Promise((r) => setTimeout(r, delay)).then(() => world.fleet.stopHost(victim))
            scenario.downHosts.push(victim)
          }
        },
      }),
    )
    if (killing !== null) await killing
    await world.fleet.startHost(victim)
    const outcome = scenario.results[0]?.summary?.outcomes?.find((o) => o.host === victim)
    if (outcome?.failedStep === 'fetch') scenario.notes.push('uploads cut short by the sshd kill')
  } else if (kind === 'disk-fill' || kind === 'disk-full') {
    const plan = randomPlan(random, names)
    if (kind === 'disk-fill') plan.fillHost = world.diskHost.name
    world.commit(plan)
    if (kind === 'disk-full') fillDisk(world.diskHost.dir)
    scenario.label = kind === 'disk-fill' ? `deploy, a build hook fills ${world.diskHost.name}'s disk` : `deploy to ${world.diskHost.name} with its disk already full`
    scenario.results.push(await runBerth({ ...base, args: deployArgs, env: machine(), damage: { kind: 'none' } }))
  } else {
    scenario.raced = true
    world.commit(randomPlan(random, names))
    const first = world.project.git('rev-parse', 'HEAD')
    world.commit(CALM)
    const second = world.project.git('rev-parse', 'HEAD')
    const wait = random.chance(0.5) ? ['--lock-wait', '20s'] : []
    const gap = random.int(0, 300)
    const killOne = random.chance(0.3) ? random.pick(SIGNALS) : null
    scenario.label = `race: machines a and b deploy at once (${gap} ms apart${wait.length > 0 ? ', b waits for the lock' : ''}${killOne ? `, a gets ${killOne}` : ''})`
    const a = runBerth({
      ...base,
      args: [...deployArgs, '--ref', first],
      env: world.machines.a,
      damage: killOne === null ? { kind: 'none' } : { kind: 'signal', signal: killOne, afterMs: random.int(0, typicalMs) },
    })
    await new Promise((r) => setTimeout(r, gap))
    const b = runBerth({ ...base, args: [...deployArgs, '--ref', second, ...wait], env: world.machines.b, damage: { kind: 'none' } })
    scenario.results.push(...(await Promise.all([a, b])))
  }
  scenario.sigkilled = scenario.results.some((r) => r.signal === 'SIGKILL')
  return scenario
}

/** Fills a disk to its last byte with a file a person would delete (`ballast`). */
function fillDisk(dir: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'ballast')}`, 'bs=64k'], { stdio: 'ignore' })
  } catch {
    // "No space left on device": full, as meant
  }
}
