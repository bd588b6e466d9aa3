/**
 * Release names: `YYYYMMDDTHHMMSS-<sha7>` in UTC (ISO 8601 basic), chosen once on the
 * deploying machine so every host gets the same name. They sort by time as strings.
 */

const RELEASE_ID = /^(\d{8}T\d{6})-([0-9a-f]{7,40})$/

export function createReleaseId(now: Date, sha: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '')
  return `${stamp}-${sha.slice(0, 7)}`
}

export function isReleaseId(name: string): boolean {
  return RELEASE_ID.test(name)
}

/** Newest first. Names sort chronologically as plain strings. */
export function sortNewestFirst(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
}

/**
 * The name for a new release that sorts after every name already on the hosts: `now`'s
 * second, or one second past the newest taken name when the clock has not moved past it
 * (a second deploy within the same second, or a clock that went back). Rollback and
 * cleanup order releases by name, so a new release must never sort before an old one,
 * and must never reuse the name (and so the record) of one that exists.
 */
export function nextReleaseId(now: Date, sha: string, taken: Iterable<string>): string {
  let newest: string | undefined
  for (const id of taken) {
    const stamp = RELEASE_ID.exec(id)?.[1]
    if (stamp !== undefined && (newest === undefined || stamp > newest)) newest = stamp
  }
  const wanted = createReleaseId(now, sha)
  if (newest === undefined || wanted.slice(0, 15) > newest) return wanted
  return createReleaseId(new Date(parseStamp(newest) + 1000), sha)
}

function parseStamp(stamp: string): number {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(stamp)!.map(Number)
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!)
}
