/**
 * The `git` strategy on a host: a bare mirror of the repo in `<deployTo>/repo`, fetched on
 * every deploy, and `git archive` of the resolved sha into the new release. Host-key
 * checking of the git remote is whatever the host's own ssh config says: berth never
 * loosens it.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'

/** Clones the mirror the first time (into a temp dir, renamed when complete), fetches after. */
export function updateMirror(layout: Layout, url: string): string {
  const repo = layout.repo
  const temp = `${repo}.partial`
  return [
    `command -v git >/dev/null 2>&1 || { echo 'berth: the git strategy needs git on the host' >&2; exit 127; }`,
    `if [ -f ${q(posix.join(repo, 'HEAD'))} ]; then`,
    `  git -C ${q(repo)} remote set-url origin ${q(url)} && git -C ${q(repo)} fetch --prune --quiet origin || exit 1`,
    `else`,
    `  rm -rf ${q(temp)} && git clone --mirror --quiet -- ${q(url)} ${q(temp)} && mv ${q(temp)} ${q(repo)} || exit 1`,
    `fi`,
  ].join('\n')
}

/** Unpacks the commit (or its `subdir`) from the mirror into the release directory. */
export function archiveFromMirror(layout: Layout, release: string, sha: string, subdir?: string): string {
  const treeish = subdir === undefined ? sha : `${sha}:${subdir.replace(/\/+$/, '')}`
  return [
    `git -C ${q(layout.repo)} cat-file -e ${q(`${sha}^{commit}`)} 2>/dev/null || { echo ${q(`berth: commit ${sha} is not in the remote repository: push it first`)} >&2; exit 1; }`,
    `git -C ${q(layout.repo)} archive --format=tar ${q(treeish)} | tar -x -f - -C ${q(layout.release(release))}`,
  ].join('\n')
}
