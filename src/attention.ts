/**
 * Whether a run that changed hosts left something for a person, as data: the end-of-run
 * summary, a web page and a webhook each word or show it their own way, from the same
 * facts. `ui/attention.ts` words it for the terminal.
 *
 * Levels: `none` (nothing to do), `check` (look at the hosts named: something did not go
 * through, but every host is in a consistent state), `decide` (a person must choose what
 * happens next, e.g. roll forward or back, because hosts run different code or the
 * database may be ahead of the code).
 */
export type AttentionLevel = 'none' | 'check' | 'decide'

export type AttentionFact =
  /** The run failed, but every host is on the release it had before it. */
  | { kind: 'unchanged' }
  /** The deploy went on past failed hosts (within `onFailure`): `live` got it, `hosts` did not. */
  | { kind: 'stayed-on-previous'; hosts: string[]; live: string[]; total: number }
  /** The deploy stopped with the new release live on some hosts only. */
  | { kind: 'live-on-some'; hosts: string[]; total: number }
  /** The new release went live on these hosts and was taken back. */
  | { kind: 'rolled-back'; hosts: string[] }
  /** Migrations started on these hosts: the database may be ahead of the code that is live. */
  | { kind: 'migrations-ran'; hosts: string[] }
  /** A rollback stopped after these hosts had switched to `release`. */
  | { kind: 'rollback-stopped'; hosts: string[]; release: string | null }
  /** Setup stopped; running it again once the cause is fixed is safe. */
  | { kind: 'setup-stopped' }

export interface Attention {
  level: AttentionLevel
  facts: AttentionFact[]
}

const NOTHING_NEEDED: Attention = { level: 'none', facts: [] }

/** One host at the end of a deploy, as far as a person's attention goes. */
export interface DeployHostFacts {
  host: string
  /** The new release is live here now. */
  live: boolean
  /** The new release went live here and was taken back. */
  rolledBack: boolean
  /** Migration hooks started here. */
  migrated: boolean
  /** This host itself failed (not just stopped because of others). */
  failed: boolean
}

/**
 * After a deploy. `ok`: every host went through. `stopped`: the run as a whole stopped (as
 * opposed to carrying on past failed hosts within the `onFailure` budget).
 */
export function assessDeploy(hosts: readonly DeployHostFacts[], run: { ok: boolean; stopped: boolean }): Attention {
  if (run.ok) return NOTHING_NEEDED
  const names = (pick: (host: DeployHostFacts) => boolean): string[] => hosts.filter(pick).map((host) => host.host)
  const live = names((host) => host.live)
  const rolledBack = names((host) => host.rolledBack)
  const migrated = names((host) => host.migrated)
  const facts: AttentionFact[] = []
  if (!run.stopped) facts.push({ kind: 'stayed-on-previous', hosts: names((host) => host.failed), live, total: hosts.length })
  else if (live.length > 0) facts.push({ kind: 'live-on-some', hosts: live, total: hosts.length })
  if (rolledBack.length > 0) facts.push({ kind: 'rolled-back', hosts: rolledBack })
  if (migrated.length > 0) facts.push({ kind: 'migrations-ran', hosts: migrated })
  return withLevel(facts)
}

/** After a rollback, from its per-host outcomes (`HostOutcome` in `events.ts`). */
export function assessRollback(ok: boolean, outcomes: readonly { host: string; live: string | null; switched: boolean }[]): Attention {
  if (ok) return NOTHING_NEEDED
  const moved = outcomes.filter((outcome) => outcome.switched)
  if (moved.length === 0) return withLevel([{ kind: 'unchanged' }])
  return withLevel([{ kind: 'rollback-stopped', hosts: moved.map((outcome) => outcome.host), release: moved[0]!.live }])
}

/** After `setup`, which only creates directories and runs idempotent hooks. */
export function assessSetup(ok: boolean): Attention {
  return ok ? NOTHING_NEEDED : withLevel([{ kind: 'setup-stopped' }])
}

const LEVEL_OF: { [K in AttentionFact['kind']]: AttentionLevel } = {
  unchanged: 'none',
  'stayed-on-previous': 'check',
  'live-on-some': 'decide',
  'rolled-back': 'check',
  'migrations-ran': 'decide',
  'rollback-stopped': 'check',
  'setup-stopped': 'check',
}

const RANK: Record<AttentionLevel, number> = { none: 0, check: 1, decide: 2 }

/** The most pressing level among the facts; a failed run with nothing else to say is `unchanged`. */
function withLevel(facts: AttentionFact[]): Attention {
  const all: AttentionFact[] = facts.length === 0 ? [{ kind: 'unchanged' }] : facts
  const level = all.map((fact) => LEVEL_OF[fact.kind]).reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'none' as AttentionLevel)
  return { level, facts: all }
}
