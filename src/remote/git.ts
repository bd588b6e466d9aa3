/**
 * The `git` strategy on a host: a bare mirror of the repo in `<deployTo>/repo` (and one of
 * each submodule in `repo/modules/`), fetched on every deploy, and `git archive` of the
 * resolved commits into the new release. Host-key checking of the git remote is whatever
 * the host's own ssh config says: berth never loosens it.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { script } from './script.js'

/** A commit to unpack into the release: the app itself, or a submodule under `prefix`. */
export interface MirroredCommit {
  url: string
  sha: string
  /** Release-relative directory it goes to ('' for the app itself). */
  prefix: string
  /** Part of the commit's tree to unpack (the `subdir`), or '' for all of it. */
  tree: string
}

/** Where a commit's mirror lives on the host. */
export function mirrorDir(layout: Layout, commit: Pick<MirroredCommit, 'prefix'>): string {
  if (commit.prefix === '') return layout.repo
  // One flat directory per submodule path: `vendor/lib` → `modules/vendor%2Flib`.
  return posix.join(layout.repo, 'modules', encodeURIComponent(commit.prefix))
}

/** Clones the mirror the first time (into a temp dir, renamed when complete), fetches after. */
export function updateMirror(dir: string, url: string): string {
  const temp = `${dir}.partial`
  return script(
    `command -v git >/dev/null 2>&1 || { echo 'berth: the git strategy needs git on the host' >&2; exit 127; }`,
    `if [ -f ${q(posix.join(dir, 'HEAD'))} ]; then`,
    `  git -C ${q(dir)} remote set-url origin ${q(url)} && git -C ${q(dir)} fetch --prune --quiet origin || exit 1`,
    `else`,
    `  rm -rf ${q(temp)} && mkdir -p ${q(posix.dirname(dir))} && git clone --mirror --quiet -- ${q(url)} ${q(temp)} && mv ${q(temp)} ${q(dir)} || exit 1`,
    `fi`,
  )
}

/**
 * Unpacks one commit (or a subtree of it) from its mirror into the release directory.
 * tar.umask=022: git's default (0002) makes entries 0664/0775, which root's `tar -x` keeps.
 */
export function archiveFromMirror(dir: string, releaseDir: string, commit: MirroredCommit): string {
  const treeish = commit.tree === '' ? commit.sha : `${commit.sha}:${commit.tree}`
  const prefix = commit.prefix === '' ? [] : [`--prefix=${commit.prefix}/`]
  return script(
    `git -C ${q(dir)} cat-file -e ${q(`${commit.sha}^{commit}`)} 2>/dev/null || { echo ${q(`berth: commit ${commit.sha} is not in ${commit.url}: push it first`)} >&2; exit 1; }`,
    `git -c tar.umask=022 -C ${q(dir)} archive --format=tar ${prefix.map(q).join(' ')} ${q(treeish)} | tar -x -f - --no-same-owner -C ${q(releaseDir)}`,
  )
}

/** Fetches and unpacks every commit of the release (the app first, then its submodules). */
export function fetchFromMirrors(layout: Layout, release: string, commits: MirroredCommit[]): string[] {
  return commits.flatMap((commit) => {
    const dir = mirrorDir(layout, commit)
    return [updateMirror(dir, commit.url), archiveFromMirror(dir, layout.release(release), commit)]
  })
}
