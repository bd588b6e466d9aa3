/**
 * The torture's counts: what was done (runs, damage by kind and by the step it landed in)
 * and what went wrong. Only the failure counts decide the exit code; the rest says how hard
 * the hosts were pushed and what a person had to do (forced unlocks, freed disks).
 */
const FAILURES = {
  brokenCurrent: 'broken current (after a run)',
  readerBroken: 'broken current seen by the reader',
  lostShared: 'lost or changed shared/ files',
  changedOlder: 'changed older releases',
  strayFiles: 'live files unlike their commit (a changed file passed on)',
  leakedLocks: 'leaked locks not recovered',
  finalDeploy: 'a fleet that could not be deployed at the end',
  mixedUnreported: 'hosts on mixed releases unreported',
  wrongSummary: 'summaries contradicting the hosts',
  crashes: 'crashes (exit 70 or a stack trace)',
  hung: 'runs that never ended',
  leftovers: 'processes left by an interrupted run',
} as const
export type Failure = keyof typeof FAILURES

export class Tally {
  runs = 0
  deploys = 0
  rollbacks = 0
  /** Reads of `current` by the reader, over all hosts. */
  readerSamples = 0
  readonly failures = new Map<Failure, number>(Object.keys(FAILURES).map((k) => [k as Failure, 0]))
  readonly damage = new Map<string, number>()
  readonly landedIn = new Map<string, number>()
  readonly exits = new Map<string, number>()
  readonly notes = new Map<string, number>()
  readonly details: string[] = []

  fail(kind: Failure, detail: string, count = 1): void {
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + count)
    if (this.details.length < 40) this.details.push(`${FAILURES[kind]}: ${detail}`)
  }
  count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1)
  }
  note(key: string): void {
    this.count(this.notes, key)
  }
  get failed(): number {
    return [...this.failures.values()].reduce((a, b) => a + b, 0)
  }

  render(): string {
    const list = (map: Map<string, number>): string =>
      [...map.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    return [
      `runs ${this.runs} (deploys ${this.deploys}, rollbacks ${this.rollbacks}); the reader followed current ${this.readerSamples} times`,
      `damage: ${list(this.damage)}`,
      `signals and closed pipes landed in: ${list(this.landedIn)}`,
      `exit codes: ${list(this.exits)}`,
      `recoveries and observations: ${list(this.notes)}`,
      'failures:',
      ...[...this.failures.entries()].map(([k, v]) => `  ${String(v).padStart(4)}  ${FAILURES[k]}`),
    ].join('\n')
  }
}
