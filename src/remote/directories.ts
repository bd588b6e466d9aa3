/**
 * The directories berth keeps under deployTo, created on a host only when missing: on the
 * hot path of every deploy and rollback, each process a host need not start is time the
 * whole fleet waits.
 */
import type { Layout } from '../release/layout.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'

/** `mkdir -p` only when the directory is missing (a shell test is no process). */
export function ensureDir(path: string): string {
  return `{ [ -d ${q(path)} ] || mkdir -p ${q(path)}; }`
}

/** Creates the directories every deploy needs; idempotent, and no process when they exist. */
export function ensureLayout(layout: Layout): string {
  const dirs = [layout.releases, layout.shared, layout.manifests]
  return `{ ${dirs.map((dir) => `[ -d ${q(dir)} ]`).join(' && ')} || ${shellJoin(['mkdir', '-p', ...dirs])}; }`
}
