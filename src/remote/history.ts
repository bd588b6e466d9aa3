/**
 * Each host's history: one JSON line per run in `.berth/history.jsonl`, appended when the
 * run ends (with the unlock) and read by `history` and `status`.
 */
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { ensureDir } from './directories.js'
import { all } from './script.js'

/** Appends one history line, creating `.berth/` on a host that has none yet. */
export function appendHistory(layout: Layout, entry: object): string {
  return all(ensureDir(layout.berth), `printf '%s\\n' ${q(JSON.stringify(entry))} >> ${q(layout.history)}`)
}

/** The last `lines` history lines; nothing (and success) on a host that has none yet. */
export function readHistory(layout: Layout, lines: number): string {
  return `[ -f ${q(layout.history)} ] && tail -n ${q(String(lines))} ${q(layout.history)} || true`
}
