/**
 * Shared files and directories (`shared:` in the config): kept in `<deployTo>/shared/`
 * across releases and linked into each one. Nothing in `shared/` is ever deleted or
 * overwritten by berth.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { ensureLayout } from './directories.js'
import { EXIT } from './exit-codes.js'
import { all, script } from './script.js'

export interface SharedEntries {
  files: string[]
  dirs: string[]
}

/**
 * Links each shared file and directory into the release. A missing shared entry is seeded
 * from the release's own copy when it has one (else created empty); a copy that is itself
 * a symlink is never seeded from, so `shared/` never starts out pointing somewhere else.
 *
 * Before an entry's `rm -rf`, `mkdir -p` and `ln -s`, every directory above it inside the
 * release is checked with `[ -L ]`: the release holds whatever the repository holds, and a
 * committed `config -> /etc` would otherwise make `config/app.env` delete and replace a file
 * outside the deploy directory. Such an entry is refused (README, "What a deploy does").
 */
export function linkShared(layout: Layout, id: string, shared: SharedEntries): string {
  const release = layout.release(id)
  const lines: string[] = []
  const link = (entry: string, create: string): void => {
    const target = posix.join(layout.shared, entry)
    const inRelease = posix.join(release, entry)
    lines.push(
      ...refuseSymlinkedParents(release, entry, (parent) => `berth: shared path ${entry}: ${parent} in the release is a symlink; berth never links a shared path through a symlink (it could lead out of the release). Remove the link from the repository, or share ${parent} itself`),
      `if [ ! -e ${q(target)} ] && [ ! -L ${q(target)} ]; then mkdir -p ${q(posix.dirname(target))} && if [ -e ${q(inRelease)} ] && [ ! -L ${q(inRelease)} ]; then cp -Rp ${q(inRelease)} ${q(target)}; else ${create} ${q(target)}; fi || exit 1; fi`,
      `rm -rf ${q(inRelease)} && mkdir -p ${q(posix.dirname(inRelease))} && ln -s ${q(target)} ${q(inRelease)} || exit 1`,
    )
  }
  for (const dir of shared.dirs) link(dir, 'mkdir -p')
  for (const file of shared.files) link(file, ': >')
  return script(...lines)
}

/**
 * One `[ -L ]` test per directory between `base` and the entry, outermost first (`[` is a
 * shell builtin: it needs no tool on the host, and it does not follow the link); the first
 * that is a symlink stops the script with `message(parent)`. The tests run right before
 * the entry is written or linked, so a link made by an earlier entry (a shared dir holding a
 * shared file) is caught too.
 */
export function refuseSymlinkedParents(base: string, entry: string, message: (parent: string) => string): string[] {
  const parts = posix.normalize(entry).split('/').filter((part) => part !== '' && part !== '.')
  return parts.slice(0, -1).map((_, i) => {
    const parent = parts.slice(0, i + 1).join('/')
    return `if [ -L ${q(posix.join(base, parent))} ]; then echo ${q(message(parent))} >&2; exit ${EXIT.sharedThroughSymlink}; fi`
  })
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
