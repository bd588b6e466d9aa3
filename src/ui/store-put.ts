/** The line `--verbose` shows for a `store:put` event (plain and TTY alike). */
import type { EventOf } from './types.js'
import { formatBytes } from './duration.js'

export function storePutLine(e: EventOf<'store:put'>): string {
  const there = e.present === 0 ? '' : `, ${e.present} already there`
  const packs = e.packs === 0 ? '' : `${e.packs} pack${e.packs === 1 ? '' : 's'}, `
  return `store: ${e.blobs} new blob${e.blobs === 1 ? '' : 's'} put (${packs}${formatBytes(e.bytes)})${there}`
}
