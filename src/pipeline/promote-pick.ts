/**
 * Which release `promote FROM TO` takes (README, "Promoting a release"): the one live on
 * every selected host of FROM, or the one `--release` names, which every one of them must
 * hold complete. Anything else is refused, naming the hosts, before TO is touched.
 */
import { StateError } from '../errors.js'
import type { HostState } from '../release/host-state.js'
import type { ReleaseRecord } from '../release/record.js'

export interface PickedRelease {
  release: string
  /** Its record, as the first host keeps it: revision, ref and artifact. */
  record: ReleaseRecord
}

export function pickRelease(environment: string, hosts: { name: string; state: HostState }[], wanted?: string): PickedRelease {
  if (hosts.length === 0) throw new StateError(`${environment} has no hosts selected`)
  const release = wanted ?? agreedLive(environment, hosts)
  const lacking = hosts.filter(({ state }) => !state.complete.has(release) || state.records.get(release) === undefined)
  if (lacking.length > 0) {
    throw new StateError(`release ${release} is not complete on ${environment} host${lacking.length > 1 ? 's' : ''} ${lacking.map((h) => h.name).join(', ')}`, {
      hint: `berth releases ${environment} lists what each host has`,
    })
  }
  const failed = hosts.filter(({ state }) => state.records.get(release)?.state === 'failed')
  if (failed.length > 0) {
    throw new StateError(`release ${release} failed on ${environment} host${failed.length > 1 ? 's' : ''} ${failed.map((h) => h.name).join(', ')}: it is not promoted`)
  }
  const record = hosts[0]!.state.records.get(release)!
  const artifacts = new Set(hosts.map(({ state }) => state.records.get(release)?.artifact))
  if (artifacts.size > 1) {
    throw new StateError(`the ${environment} hosts hold different trees under the name ${release}`, { hint: `deploy ${environment} again, then promote` })
  }
  return { release, record }
}

function agreedLive(environment: string, hosts: { name: string; state: HostState }[]): string {
  const live = hosts.map(({ name, state }) => ({ name, current: state.current }))
  const none = live.filter((h) => h.current === null)
  if (none.length === live.length) throw new StateError(`no release is live on ${environment}`, { hint: `deploy ${environment} first` })
  const distinct = new Set(live.map((h) => h.current))
  if (distinct.size > 1) {
    const listed = live.map((h) => `${h.name} → ${h.current ?? 'nothing'}`).join(', ')
    throw new StateError(`the ${environment} hosts do not agree on the live release (${listed}): not promoting`, {
      hint: `name the release to promote with --release ID (it must be on every ${environment} host), or deploy ${environment} again`,
    })
  }
  return live[0]!.current!
}
