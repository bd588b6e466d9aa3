/**
 * Shared files and directories (`shared:` in the config): kept in `<deployTo>/shared/`
 * across releases and linked into each one. Nothing in `shared/` is ever deleted or
 * overwritten by berth.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { ensureLayout } from './directories.js'
import { all, script } from './script.js'

export interface SharedEntries {
  files: string[]
  dirs: string[]
}

/**
 * Links each shared file and directory into the release. A missing shared entry is seeded
 * from the release's own copy when it has one (else created empty).
 */
export function linkShared(layout: Layout, id: string, shared: SharedEntries): string {
  const release = layout.release(id)
  const lines: string[] = []
  const link = (entry: string, create: string): void => {
    const target = posix.join(layout.shared, entry)
    const inRelease = posix.join(release, entry)
    lines.push(
      `if [ ! -e ${q(target)} ] && [ ! -L ${q(target)} ]; then mkdir -p ${q(posix.dirname(target))} && if [ -e ${q(inRelease)} ]; then cp -Rp ${q(inRelease)} ${q(target)}; else ${create} ${q(target)}; fi || exit 1; fi`,
      `rm -rf ${q(inRelease)} && mkdir -p ${q(posix.dirname(inRelease))} && ln -s ${q(target)} ${q(inRelease)} || exit 1`,
    )
  }
  for (const dir of shared.dirs) link(dir, 'mkdir -p')
  for (const file of shared.files) link(file, ': >')
  return script(...lines)
}

/**
 * `setup`: the deploy layout, every shared directory, and the directory each shared file
 * will be created in.
 */
export function setupLayout(layout: Layout, shared: SharedEntries): string {
  const dirs = shared.dirs.map((dir) => posix.join(layout.shared, dir))
  const parents = shared.files.map((file) => posix.dirname(posix.join(layout.shared, file)))
  const wanted = [...new Set([...dirs, ...parents])]
  // A bare `mkdir -p` (no shared entries) fails with "missing operand".
  return all(ensureLayout(layout), wanted.length === 0 ? '' : shellJoin(['mkdir', '-p', ...wanted]))
}
