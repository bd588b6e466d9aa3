/**
 * `deploy --resume` (README, "Resuming a failed deploy"): which deploy is continued, and
 * where each host goes on. The hosts' history names the last deploy on them; the release's
 * record on each host lists the steps that finished there (written by the switch, and at
 * the end of a failed deploy), and `REVISION` says its files are all there. Pure: the
 * hosts are read once before the lock (`readResumeState`) and again under it.
 */
import type { Step } from '../config/types.js'
import { StateError, UsageError } from '../errors.js'
import { parseHistoryLine, type DeployEntry } from '../history/entry.js'
import { parseHostState, type HostState } from '../release/host-state.js'
import { recordOf, withState } from '../release/record.js'
import { readHistory } from '../remote/history.js'
import { inspectHost } from '../remote/inspect.js'
import { writeRecord } from '../remote/release.js'
import { script } from '../remote/script.js'
import { settleAll } from '../fleet/pool.js'
import { execOn, type RunContext } from './context.js'
import { transition, type DeployHost } from './deploy-host.js'
import type { Fleet } from './fleet-run.js'
import { runPhase } from './phase.js'
import { DEPLOY_STEPS } from './steps/registry.js'

/** How far back a host's history is read for its last deploy (other kinds of lines come between). */
const HISTORY_LINES = 200

/** One host as a resume sees it. */
export interface ResumeLook {
  host: string
  state: HostState
  /** Its last deploy line, of any environment (null: none in the lines read). */
  lastDeploy: DeployEntry | null
}

export interface ResumePoint {
  /** The failed run's id, as in its history lines. */
  run: string
  release: string
  sha: string
  ref: string
  /** Per host, the steps it does not run again. */
  skip: Record<string, Step[]>
  /** The environment the failed run promoted the release from, when it was a promote. */
  promotedFrom?: string
  /** Hosts holding the release's complete tree: no upload there. */
  hasTree: string[]
  /** Hosts where the release is live already: nothing is left to do there. */
  live: string[]
}

const inSegment = (...segments: string[]): Step[] => DEPLOY_STEPS.filter((def) => segments.includes(def.segment)).map((def) => def.name)
/** The steps a host may have finished in an earlier run (not the lock, cleanup or unlock: every run does those). */
const PREPARE = inSegment('prepare')
const RESUMABLE = inSegment('prepare', 'go-live')
/** The step that leaves a release's files complete on a host. */
const DELIVERY_STEP: Step = 'fetch'

/** The hosts on which the release is taken up again: they hold its files, and it is not live there. */
export const takenUp = (point: ResumePoint): string[] => point.hasTree.filter((host) => !point.live.includes(host))

/** Reads, on every host, its state and the last lines of its history: one round trip each, before the lock. */
export async function readResumeState(fleet: Fleet): Promise<ResumeLook[]> {
  const { ctx } = fleet
  const command = script(readHistory(ctx.layout, HISTORY_LINES), inspectHost(ctx.layout))
  const results = await settleAll(fleet.runs, ctx.concurrency, async (run) => {
    await fleet.connected(run)
    return parseLook(run.host.name, (await execOn(ctx, run, command, { step: 'inspect' })).stdout)
  })
  const failed = results.find((result) => !result.ok)
  if (failed !== undefined && !failed.ok) throw failed.error
  return results.flatMap((result) => (result.ok ? [result.value] : []))
}

/** History lines are JSON, the state's lines start with `@`: one output holds both. */
export function parseLook(host: string, output: string): ResumeLook {
  let lastDeploy: DeployEntry | null = null
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue
    const entry = parseHistoryLine(line)
    if (entry?.kind === 'deploy') lastDeploy = entry
  }
  return { host, state: parseHostState(output), lastDeploy }
}

/**
 * The deploy `--resume` continues: the newest deploy on these hosts, which must be of this
 * environment and must have failed on at least one of them. Then, per host, what is done.
 */
export function findResumePoint(environment: string, looks: readonly ResumeLook[]): ResumePoint {
  const lines = looks.flatMap((look) => (look.lastDeploy === null ? [] : [look.lastDeploy]))
  const last = lines.reduce<DeployEntry | null>((newest, line) => (newest === null || line.at > newest.at ? line : newest), null)
  if (last === null) throw new UsageError(`nothing to resume: no deploy of ${environment} on these hosts`, { hint: `deploy without --resume: berth deploy ${environment}` })
  if (last.environment !== environment) {
    throw new UsageError(`the last deploy on these hosts was of ${last.environment} (release ${last.release}), not ${environment}`, {
      hint: last.result === 'success' ? `deploy ${environment} without --resume` : `to continue it: berth deploy ${last.environment} --resume`,
    })
  }
  const ofRun = looks.filter((look) => look.lastDeploy?.id === last.id)
  if (ofRun.every((look) => look.lastDeploy!.result === 'success')) {
    throw new UsageError(`nothing to resume: the last deploy of ${environment} (release ${last.release}, ${last.at}) succeeded`, { hint: `deploy without --resume: berth deploy ${environment}` })
  }
  const point: ResumePoint = { run: last.id, release: last.release, sha: last.sha, ref: last.ref, skip: {}, hasTree: [], live: [], ...(last.promotedFrom === undefined ? {} : { promotedFrom: last.promotedFrom }) }
  for (const look of looks) {
    const mine = look.lastDeploy?.id === last.id ? look.lastDeploy : null
    const { skip, hasTree, live } = hostProgress(look, last.release, mine)
    point.skip[look.host] = skip
    if (hasTree) point.hasTree.push(look.host)
    if (live) point.live.push(look.host)
  }
  return point
}

/** What is done on one host; `line` is its history line of the failed run (null: it has none). */
function hostProgress(look: ResumeLook, release: string, line: DeployEntry | null): { skip: Step[]; hasTree: boolean; live: boolean } {
  const { state, host } = look
  const record = state.records.get(release)
  const complete = state.complete.has(release)
  // Live there already (its batch went through, or `onFailure` let it): nothing left to do.
  if (state.current === release) return { skip: RESUMABLE, hasTree: true, live: true }
  const removed = (): StateError =>
    new StateError(`release ${release} of the failed deploy was removed from ${host} since (by a cleanup or by hand)`, {
      host,
      step: 'resume',
      hint: 'it cannot be resumed there: deploy again without --resume',
    })
  if (record?.completed !== undefined) {
    // Not live: whatever followed the switch was undone and runs again.
    const done = record.completed.filter((step) => PREPARE.includes(step))
    if (done.includes(DELIVERY_STEP) && !complete) throw removed()
    return { skip: done, hasTree: done.includes(DELIVERY_STEP), live: false }
  }
  // A record that does not say which steps finished (an older berth, or a run killed
  // outright): the files are reused when they are all there, every step after them runs again.
  if (record !== undefined && complete) return { skip: [DELIVERY_STEP], hasTree: true, live: false }
  if (state.releases.includes(release)) {
    const what = complete ? 'has no record (it was not made by the failed deploy)' : 'is incomplete and no record says why (a run stopped while it arrived)'
    throw new StateError(`releases/${release} on ${host} ${what}`, {
      host,
      step: 'resume',
      hint: 'deploy again without --resume (berth never reuses an incomplete release)',
    })
  }
  // The host got past the delivery in the failed run, yet holds nothing of it now.
  if (record === undefined && line !== null && gotPast(line, DELIVERY_STEP)) throw removed()
  return { skip: [], hasTree: false, live: false }
}

function gotPast(line: DeployEntry, step: Step): boolean {
  if (line.result === 'success') return true
  const order = DEPLOY_STEPS.map((def) => def.name as string)
  return line.failedStep !== undefined && order.indexOf(line.failedStep) > order.indexOf(step)
}

/**
 * Right after the lock: the hosts must still be as they were read before it (else another
 * run came between), and on each host that holds the release's files the release is taken
 * up again, its record back to `preparing` (it said `failed`), with the steps done there.
 */
export async function takeUpRelease(ctx: RunContext, hosts: DeployHost[], point: ResumePoint, looks: readonly ResumeLook[]): Promise<void> {
  const now = looks.map((look) => ({ ...look, state: hosts.find((host) => host.host.name === look.host)?.state ?? look.state }))
  const again = findResumePoint(ctx.config.environment, now)
  if (JSON.stringify(again) !== JSON.stringify(point)) {
    throw new StateError('the hosts changed between reading them and taking the lock (another run came between)', { step: 'lock', hint: `look at berth status ${ctx.config.environment}, then resume again` })
  }
  const names = takenUp(point)
  await runPhase(
    ctx,
    'resume',
    hosts,
    async (host) => {
      const record = withState(recordOf(host.state?.records, point.release), 'preparing', ctx.now())
      transition.resumed(host, record, point.skip[host.host.name] ?? [])
      await execOn(ctx, host, writeRecord(ctx.layout, record), { step: 'resume' })
    },
    hosts.filter((host) => names.includes(host.host.name)),
  )
}

/** A resume deploys the sha the failed deploy did, or nothing. */
export function refuseMovedRef(point: ResumePoint, ref: string, sha: string, environment: string): void {
  if (sha === point.sha) return
  throw new UsageError(`${ref} is now ${sha.slice(0, 12)}, but the failed deploy of release ${point.release} was of ${point.sha.slice(0, 12)} (${point.ref})`, {
    hint: `to resume it: berth deploy ${environment} --resume --ref ${point.sha}; to deploy ${ref} as it is now, leave out --resume`,
  })
}

/**
 * What each host leaves out on a resume. Templates are written again by the link step where
 * the release is not live yet: the fix a resume follows may be a secret they are rendered with.
 */
export function resumedSkips(point: ResumePoint, hasTemplates: boolean): Record<string, Step[]> {
  if (!hasTemplates) return point.skip
  return Object.fromEntries(Object.entries(point.skip).map(([host, steps]) => [host, point.live.includes(host) ? steps : steps.filter((step) => step !== 'link')]))
}

/**
 * A failed promote is resumed only where its tree already is: a host without it would get a
 * build of the commit, not the promoted build, under the same release id.
 */
export function refuseRebuildingPromote(point: ResumePoint, hosts: string[], environment: string): void {
  if (point.promotedFrom === undefined) return
  const lacking = hosts.filter((host) => !point.hasTree.includes(host))
  if (lacking.length === 0) return
  throw new UsageError(`the failed run was a promote of ${point.release} from ${point.promotedFrom}, and ${lacking.join(', ')} do not hold its files: a resume would build the commit again instead of shipping that build`, {
    hint:
      point.hasTree.length === 0
        ? `promote it again: berth promote ${point.promotedFrom} ${environment} --release ${point.release}`
        : `ship it to them first (berth promote ${point.promotedFrom} ${environment} --release ${point.release} --hosts ${lacking.join(',')}), then resume`,
  })
}
