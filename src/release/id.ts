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
