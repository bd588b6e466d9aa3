/**
 * Release names: `YYYYMMDDTHHMMSS-<sha7>` in UTC (ISO 8601 basic), chosen once on the
 * deploying machine so every host gets the same name. They sort by time as strings.
 *
 * A host deployed by Capistrano before has releases named `YYYYMMDDHHMMSS` (UTC too): berth
 * adopts them (README, "Moving from Capistrano"), ordered by the same clock as its own.
 */

const RELEASE_ID = /^(\d{8}T\d{6})-([0-9a-f]{7,40})$/
const CAPISTRANO_ID = /^(\d{8})(\d{6})$/

export function createReleaseId(now: Date, sha: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '')
  return `${stamp}-${sha.slice(0, 7)}`
}

/** A release berth made, or one a Capistrano deploy left that berth adopts. */
export function isReleaseId(name: string): boolean {
  return RELEASE_ID.test(name) || CAPISTRANO_ID.test(name)
}

/** A release named the way Capistrano names them: not made by berth. */
export function isCapistranoId(name: string): boolean {
  return CAPISTRANO_ID.test(name)
}

/** The time a release's name carries, as `YYYYMMDDTHHMMSS`, then the rest of its name. */
function orderKey(id: string): string {
  const capistrano = CAPISTRANO_ID.exec(id)
  return capistrano ? `${capistrano[1]}T${capistrano[2]}` : id
}

/** Negative when release `a` is older than `b`, positive when newer, 0 for the same name. */
export function compareReleases(a: string, b: string): number {
  const [x, y] = [orderKey(a), orderKey(b)]
  return x < y ? -1 : x > y ? 1 : 0
}

/** Newest first, by the time in their names (berth's names sort that way as plain strings). */
export function sortNewestFirst(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => compareReleases(b, a))
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
    const stamp = isReleaseId(id) ? orderKey(id).slice(0, 15) : undefined
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
