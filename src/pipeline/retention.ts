/**
 * Which releases a host keeps after a successful deploy (README, "What a deploy does":
 * cleanup): the newest `keep` good releases, plus always the current one and the newest
 * good one before it.
 * Failed, rolled-back and abandoned (preparing) releases do not count and go. Releases with
 * no record (made before berth kept them, or by Capistrano) count as good, oldest going first.
 */
import { compareReleases, sortNewestFirst } from '../release/id.js'
import { isGood, type ReleaseRecord } from '../release/record.js'

export interface RetentionInput {
  releases: string[]
  records: ReadonlyMap<string, ReleaseRecord>
  current: string
  keep: number
}

export function releasesToRemove({ releases, records, current, keep }: RetentionInput): string[] {
  const ordered = sortNewestFirst(releases)
  const good = ordered.filter((id) => isGood(records.get(id)?.state) || id === current)
  const kept = new Set(good.slice(0, keep))
  kept.add(current)
  const lastGoodBefore = good.find((id) => compareReleases(id, current) < 0)
  if (lastGoodBefore !== undefined) kept.add(lastGoodBefore)
  const remove = ordered.filter((id) => !kept.has(id))
  // Records whose directory is already gone are removed too.
  const orphans = [...records.keys()].filter((id) => !releases.includes(id) && id !== current)
  return [...remove, ...orphans]
}
