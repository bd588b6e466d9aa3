/**
 * Reusing dependency directories (`reuse:`, README "Reusing dependencies"). Each reused
 * directory of a release has a key: the sha256 of its key files (the lockfile), the
 * runtime's answer (`node --version`), the host's `uname -sm` and the commands that
 * install it. It is written to `Layout.deps(release)` once the directory is complete: when
 * it was copied from the live release, or when its `build` hook succeeded. A release
 * whose key equals the live release's recorded key gets a copy of the live directory.
 *
 * A copy, not hard links: a hook or the app writing into a file of the new release's
 * directory (a postinstall patch, `>>` to a file, a rebuilt native module) would write
 * through a hard link into the live release. `cp -a --reflink=auto` shares blocks where
 * the filesystem can (Btrfs, XFS) and copies elsewhere; the live release is only read.
 */
import { posix } from 'node:path'
import type { ReuseEntry } from '../config/types.js'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { script } from './script.js'

/** What the reuse command prints on stdout for each directory it copied: this, then its `depsName`. */
export const REUSED_MARK = '@reused '

/** The file name of a directory's key in `Layout.deps`: one word, whatever the path holds. */
export function depsName(path: string): string {
  return encodeURIComponent(path).replaceAll('.', '%2E')
}

/**
 * Computes each entry's key in the new release and records it as pending; where the live
 * release (`live`, null when there is none) recorded the same key for a complete, real
 * directory, copies it into the new release and records the key as complete. A copy that
 * fails is removed again and reported (`berth: ...` on stderr): the hook installs instead.
 */
export function reuseDependencies(layout: Layout, release: string, live: string | null, entries: readonly ReuseEntry[]): string {
  return script(...entries.map((entry) => reuseOne(layout, release, live, entry)))
}

function reuseOne(layout: Layout, release: string, live: string | null, entry: ReuseEntry): string {
  const dir = layout.release(release)
  const deps = layout.deps(release)
  const name = depsName(entry.path)
  const pending = `${deps}/${name}.pending`
  const target = posix.join(dir, entry.path)
  const anyKeyFile = entry.key.map((file) => `[ -f ${q(posix.join(dir, file))} ]`).join(' || ')
  const salt = [entry.path, entry.runtime, ...entry.installers].join('\n')
  const runtime = entry.runtime === '' ? '' : ` { ${entry.runtime}\n} </dev/null 2>&1;`
  const keyOf = `key=$(cd ${q(dir)} && { for f in ${entry.key.map(q).join(' ')}; do if [ -f "$f" ]; then printf '%s\\n' "$f"; cat -- "$f"; fi; done; printf '%s\\n' ${q(salt)}; uname -sm;${runtime} } | sha256sum) || exit 1`
  const lines = [`if ${anyKeyFile}; then`, `  ${keyOf}`, `  mkdir -p ${q(deps)} && printf '%s\\n' "$key" > ${q(pending)} || exit 1`]
  if (live !== null) {
    const from = posix.join(layout.release(live), entry.path)
    const liveKey = `${layout.deps(live)}/${name}`
    const parents = symlinkedParentTests(dir, entry.path)
    const usable = [
      `[ -f ${q(liveKey)} ]`,
      `[ "$(cat ${q(liveKey)})" = "$key" ]`,
      `[ -d ${q(from)} ]`,
      `[ ! -L ${q(from)} ]`,
      `[ ! -e ${q(target)} ]`,
      `[ ! -L ${q(target)} ]`,
      ...parents.map((test) => `[ ! ${test} ]`),
    ].join(' && ')
    const failed = `berth: could not copy ${entry.path} from the live release ${live}: installing it instead`
    lines.push(
      `  if ${usable}; then`,
      `    if mkdir -p ${q(posix.dirname(target))} && cp -a --reflink=auto ${q(from)} ${q(target)}; then mv -f ${q(pending)} ${q(`${deps}/${name}`)} && printf '%s\\n' ${q(REUSED_MARK + name)} || exit 1`,
      `    else rm -rf ${q(target)}; echo ${q(failed)} >&2; fi`,
      `  fi`,
    )
  }
  lines.push('fi')
  return lines.join('\n')
}

/**
 * `-L` tests for each directory between the release and `path`: a committed symlink there
 * (`vendor -> /somewhere`) would make the copy write outside the release, so none is made.
 */
function symlinkedParentTests(release: string, path: string): string[] {
  const parts = path.split('/')
  return parts.slice(0, -1).map((_, i) => `-L ${q(posix.join(release, ...parts.slice(0, i + 1)))}`)
}

/**
 * After a hook that installs `paths` succeeded: their pending keys become complete (a
 * key stays pending, and the directory is never reused, after an install that failed).
 */
export function recordInstalled(layout: Layout, release: string, paths: readonly string[]): string {
  const deps = layout.deps(release)
  return script(
    ...paths.map((path) => {
      const pending = `${deps}/${depsName(path)}.pending`
      return `if [ -f ${q(pending)} ]; then mv -f ${q(pending)} ${q(`${deps}/${depsName(path)}`)} || exit 1; fi`
    }),
  )
}
