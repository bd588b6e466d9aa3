/**
 * Where a rollback goes: the newest good release older than what `current`
 * points at, present on every selected host; or the release named with `--to`, which
 * must be on every host and must not be a failed or half-made one.
 */
import { StateError, UsageError } from '../errors.js'
import { isReleaseId, sortNewestFirst } from '../release/id.js'
import type { HostState } from '../release/host-state.js'
import { isGood } from '../release/record.js'

export function chooseRollbackTarget(hosts: { host: string; state: HostState }[], to?: string, environment = 'ENV'): string {
  if (to !== undefined) return checkExplicitTarget(hosts, to, environment)
  let common: Set<string> | null = null
  for (const { host, state } of hosts) {
    const current = state.current
    if (current === null) throw new StateError(`nothing is live on ${host}: there is nothing to roll back`, { host, step: 'rollback' })
    const candidates = state.releases.filter((id) => id < current && isGood(state.records.get(id)?.state))
    common = common === null ? new Set(candidates) : new Set(candidates.filter((id) => common!.has(id)))
  }
  const [target] = sortNewestFirst(common ?? [])
  if (target === undefined) {
    // Hosts on different releases (after a `--hosts` deploy, say) have no one "previous"
    // release: say so, rather than only that none was found.
    const currents = new Set(hosts.map(({ state }) => state.current))
    const why =
      currents.size > 1
        ? `the hosts are on different releases (${hosts.map(({ host, state }) => `${host}: ${state.current}`).join(', ')}) and no earlier good release is on all of them`
        : 'no earlier good release is present on every host'
    throw new StateError(why, { step: 'rollback', hint: `list them with \`berth releases ${environment}\` and pick one with --to` })
  }
  return target
}

function checkExplicitTarget(hosts: { host: string; state: HostState }[], to: string, environment: string): string {
  if (!isReleaseId(to)) throw new UsageError(`"${to}" is not a release name (like 20261123T171500-4634f44)`)
  for (const { host, state } of hosts) {
    if (!state.releases.includes(to)) {
      throw new StateError(`release ${to} is not on ${host}`, { host, step: 'rollback', hint: `see \`berth releases ${environment}\`` })
    }
    const recorded = state.records.get(to)?.state
    if (recorded === 'failed' || recorded === 'preparing') {
      throw new StateError(`release ${to} on ${host} is ${recorded}: berth will not make it live`, { host, step: 'rollback' })
    }
  }
  return to
}
