/**
 * Where a rollback goes (README, "Rolling back"): the newest good release older than the
 * newest `current` among the selected hosts, present on every one of them, so that after a
 * deploy that left hosts on different releases every host goes back to the release the
 * fleet shared before it (a host already there is left alone, and none moves forward); or the release named with
 * `--to`. Either way only a complete release: one that has its `REVISION` file, and for a
 * plain rollback a berth record in a good state.
 */
import { StateError, UsageError } from '../errors.js'
import { compareReleases, isReleaseId, sortNewestFirst } from '../release/id.js'
import type { HostState } from '../release/host-state.js'

type Host = { host: string; state: HostState }

export function chooseRollbackTarget(hosts: Host[], to?: string, environment = 'ENV'): string {
  if (to !== undefined) return checkExplicitTarget(hosts, to, environment)
  const currents: string[] = []
  for (const { host, state } of hosts) {
    if (state.current !== null) currents.push(state.current)
    else if (state.currentLink !== null) {
      throw new StateError(`current on ${host} points at ${state.currentLink}, which is not a release berth made`, {
        host,
        step: 'rollback',
        hint: `name the release to go to with --to (see \`berth releases ${environment}\`)`,
      })
    } else throw new StateError(`nothing is live on ${host}: there is nothing to roll back`, { host, step: 'rollback' })
  }
  const [newest] = sortNewestFirst(currents)
  let common: Set<string> | null = null
  for (const { state } of hosts) {
    // Older than the newest live release, and never newer than this host's own: a rollback moves no host forward.
    const candidates = state.releases.filter((id) => compareReleases(id, newest!) < 0 && compareReleases(id, state.current!) <= 0 && isRecordedGood(state, id))
    common = common === null ? new Set(candidates) : new Set(candidates.filter((id) => common!.has(id)))
  }
  const [target] = sortNewestFirst(common ?? [])
  if (target === undefined) {
    // Hosts on different releases with no good release older than all of them have no one
    // "previous" release: say so, rather than only that none was found.
    const why =
      new Set(currents).size > 1
        ? `the hosts are on different releases (${hosts.map(({ host, state }) => `${host}: ${state.current}`).join(', ')}) and no earlier good release is on all of them`
        : 'no earlier good release is present on every host'
    throw new StateError(`${why}${unrecorded(hosts, newest!)}`, { step: 'rollback', hint: `list them with \`berth releases ${environment}\` and pick one with --to` })
  }
  // A host already on the target is left alone; every other must hold the whole release.
  refuseIncomplete(hosts.filter(({ state }) => state.current !== target), target, `pick an older release with --to (see \`berth releases ${environment}\`)`)
  return target
}

function checkExplicitTarget(hosts: Host[], to: string, environment: string): string {
  if (!isReleaseId(to)) throw new UsageError(`"${to}" is not a release name (like 20261123T171500-4634f44, or a Capistrano release's 20261120101500)`)
  for (const { host, state } of hosts) {
    if (!state.releases.includes(to)) {
      throw new StateError(`release ${to} is not on ${host}`, { host, step: 'rollback', hint: `see \`berth releases ${environment}\`` })
    }
    const recorded = state.records.get(to)?.state
    if (recorded === 'failed' || recorded === 'preparing') {
      throw new StateError(`release ${to} on ${host} is ${recorded}: berth will not make it live`, { host, step: 'rollback' })
    }
  }
  refuseIncomplete(hosts.filter(({ state }) => state.current !== to), to, `see \`berth releases ${environment}\``)
  return to
}

/** A release a plain rollback may choose: berth made it (it has a record) and it went through. */
function isRecordedGood(state: HostState, id: string): boolean {
  const recorded = state.records.get(id)?.state
  return recorded === 'ready' || recorded === 'active'
}

/** REVISION is the last file a release gets: without it the tree may be half there. */
function refuseIncomplete(hosts: Host[], target: string, hint: string): void {
  const incomplete = hosts.filter(({ state }) => !state.complete.has(target)).map(({ host }) => host)
  if (incomplete.length === 0) return
  throw new StateError(`release ${target} is not complete on ${incomplete.join(', ')} (it has no REVISION file): berth will not make it live`, {
    host: incomplete[0]!,
    step: 'rollback',
    hint,
  })
}

/** Why directories that look like older releases were passed over: no berth record, or one that cannot be read. */
function unrecorded(hosts: Host[], newest: string): string {
  const notes = hosts.flatMap(({ host, state }) =>
    state.releases
      .filter((id) => compareReleases(id, newest) < 0 && !state.records.has(id))
      .map((id) => `${id} on ${host} has ${state.unreadableRecords.has(id) ? 'an unreadable record' : 'no berth record'}`),
  )
  return notes.length === 0 ? '' : ` (passed over: ${notes.join('; ')})`
}
