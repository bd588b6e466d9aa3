/**
 * The invariants, checked on every host after each run: `current` valid and complete, every
 * sentinel in `shared/` intact, every older release byte for byte as before, no lock left
 * that nobody reported, hosts on different releases only when berth said so, and no crash.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SENTINELS } from './app.js'
import { checkLive, hashReleases, lockToken, lostSentinels, strayFiles } from './host-view.js'
import type { RunResult } from './berth-run.js'
import type { Scenario } from './scenarios.js'
import type { Tally } from './tally.js'
import type { Host } from './world.js'

/** Before a run: each host's release fingerprints, and the token of any lock already there. */
export interface Snapshot {
  releases: Map<string, Map<string, string>>
  locks: Map<string, string | null>
}

export function snapshot(hosts: readonly Host[]): Snapshot {
  return { releases: new Map(hosts.map((h) => [h.name, hashReleases(h.dir)])), locks: new Map(hosts.map((h) => [h.name, lockToken(h.dir)])) }
}

export interface CheckInput {
  hosts: readonly Host[]
  before: Snapshot
  scenario: Scenario
  /** A file's content at a commit (null when it has no such file). */
  committed: (revision: string, path: string) => Buffer | null
  /** Every file of a commit. */
  tracked: (revision: string) => string[]
  /** berth's own view of the fleet (`status --json`), asked only when a run could not say. */
  statusDisagrees: () => Promise<boolean>
}

/** Checks every invariant and returns the hosts still locked after this run (for recovery). */
export async function checkRun(tally: Tally, input: CheckInput): Promise<string[]> {
  const { hosts, before, scenario } = input
  const where = `[${scenario.label}]`
  const lives = new Map<string, string | null>()
  for (const host of hosts) {
    const live = checkLive(host.dir, input.tracked)
    lives.set(host.name, live.live)
    if (live.broken !== null) tally.fail('brokenCurrent', `${host.name}: ${live.broken} ${where}`)
    else if (live.state !== 'active') tally.note(`live release recorded ${live.state ?? 'without a state'}`)
    if (live.live !== null) {
      const stray = strayFiles(host.dir, live.live, input.committed)
      if (stray.length > 0) tally.fail('strayFiles', `${host.name}: ${live.live} has ${stray.join(', ')} unlike its commit ${where}`, stray.length)
    }
    const lost = lostSentinels(host.dir)
    if (lost.length > 0) {
      tally.fail('lostShared', `${host.name}: ${lost.join(', ')} ${where}`, lost.length)
      // Put them back, so one loss is counted once.
      for (const path of lost) writeFileSync(join(host.dir, 'shared', path), SENTINELS[path as keyof typeof SENTINELS])
    }
    const after = hashReleases(host.dir)
    for (const [id, hash] of before.releases.get(host.name) ?? []) {
      const now = after.get(id)
      if (now !== undefined && now !== hash) tally.fail('changedOlder', `${host.name}: release ${id} changed ${where}`)
    }
  }
  for (const result of scenario.results) checkOutput(tally, result, where)
  await checkMixed(tally, input, lives, where)
  return checkLocks(tally, hosts, before, scenario, where)
}

function checkOutput(tally: Tally, result: RunResult, where: string): void {
  tally.count(tally.exits, result.signal === null ? String(result.code) : result.signal)
  if (result.hung) tally.fail('hung', `ran over the time limit ${where}`)
  if (result.code === 70 || /please report|\n\s+at .+:\d+:\d+\)?\n/.test(result.stderr)) {
    tally.fail('crashes', `exit ${result.code}: ${result.stderr.trim().split('\n').slice(-6).join(' | ')} ${where}`)
  }
  if (result.leftovers > 0) {
    if (result.signal === 'SIGKILL') tally.note('local ssh processes orphaned by SIGKILL (ended by the torture)')
    else tally.fail('leftovers', `${result.leftovers} processes still running after exit ${result.code} ${where}`, result.leftovers)
  }
  if (result.hit !== null) {
    tally.count(tally.landedIn, result.hit.step)
  }
}

/**
 * Hosts on different releases must have been reported: by the run's summary (each host's
 * `live` as on disk), or, when no summary could be read (SIGKILL, closed stdout, a race),
 * by `berth status`. A summary that names another release than the host has is wrong
 * whether or not the fleet is split.
 */
async function checkMixed(tally: Tally, input: CheckInput, lives: Map<string, string | null>, where: string): Promise<void> {
  const { scenario } = input
  let summaryRight = false
  for (const result of scenario.results) {
    const outcomes = result.summary?.outcomes
    if (outcomes === undefined) continue
    const wrong = outcomes.filter((o) => lives.has(o.host) && o.live !== lives.get(o.host))
    if (wrong.length === 0) summaryRight = true
    else if (!scenario.raced && !scenario.downHosts.some((h) => wrong.every((o) => o.host === h))) {
      tally.fail('wrongSummary', wrong.map((o) => `${o.host} said ${o.live}, is ${lives.get(o.host)}`).join('; ') + ` ${where}`)
    }
  }
  const mixed = new Set(lives.values()).size > 1
  if (!mixed) return
  tally.note('runs leaving hosts on different releases')
  const single = scenario.results.length === 1 ? scenario.results[0]! : null
  const couldReport = single !== null && single.signal !== 'SIGKILL' && single.hit?.what !== 'close-stdout'
  if (couldReport && single.summary === null) {
    tally.fail('mixedUnreported', `no summary from a run that could give one (exit ${single.code}) ${where}`)
  } else if (!summaryRight && !(await input.statusDisagrees())) {
    tally.fail('mixedUnreported', `hosts on ${[...lives.entries()].map(([h, l]) => `${h}=${l}`).join(' ')}, neither the run nor \`berth status\` says so ${where}`)
  }
}

/**
 * A lock left behind is fine only when its run could not free it: killed with SIGKILL, or
 * its host unreachable (and the run said it could not release it). Anything else leaked.
 */
function checkLocks(tally: Tally, hosts: readonly Host[], before: Snapshot, scenario: Scenario, where: string): string[] {
  const locked = hosts.filter((h) => lockToken(h.dir) !== null)
  const output = scenario.results.map((r) => r.stdout + r.stderr).join('\n')
  for (const { name, dir } of locked) {
    // The same lock as before the run: an earlier run's, which this one did not touch.
    if (lockToken(dir) === before.locks.get(name)) continue
    if (scenario.sigkilled) tally.note('locks left by a SIGKILLed run')
    else if (scenario.downHosts.includes(name) || output.includes(`could not release the lock on ${name}`)) tally.note('locks left on a host berth could not reach (reported)')
    else tally.fail('leakedLocks', `${name} still locked after exit ${scenario.results.map((r) => r.code ?? r.signal).join('/')} ${where}`)
  }
  return locked.map((h) => h.name)
}
