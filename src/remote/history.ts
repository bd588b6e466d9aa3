/**
 * Each host's history: one JSON line per run in `.berth/history.jsonl`, appended when the
 * run ends (with the unlock) and read by `history` and `status`.
 */
import type { HistoryEntry } from '../history/entry.js'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { ensureDir } from './directories.js'
import { all } from './script.js'

/**
 * Appends one history line, creating `.berth/` on a host that has none yet. Only the
 * builders in `history/entry.ts` make entries.
 */
export function appendHistory(layout: Layout, entry: HistoryEntry): string {
  return appendHistoryLine(layout, JSON.stringify(entry))
}

/** The same, for a line given as text (a plan shows a placeholder where the run's line goes). */
export function appendHistoryLine(layout: Layout, line: string): string {
  return all(ensureDir(layout.berth), `printf '%s\\n' ${q(line)} >> ${q(layout.history)}`)
}

/** The last `lines` history lines; nothing (and success) on a host that has none yet. */
export function readHistory(layout: Layout, lines: number): string {
  return `[ -f ${q(layout.history)} ] && tail -n ${q(String(lines))} ${q(layout.history)} || true`
}
