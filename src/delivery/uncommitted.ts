/**
 * berth deploys a commit, never the working tree: a change not yet committed is not in the
 * release. When the commit deployed is the one checked out, an edit left uncommitted was
 * most likely meant to go out, so the deploy says in one line what it leaves behind.
 */
import { git } from './local-git.js'

/** Files named in the warning; the count says how many more there are. */
const NAMED = 5

/**
 * The warning for `repoDir`'s uncommitted changes (under `subdir`, the part deployed), or
 * undefined when there are none, when `sha` is not the commit checked out, or when the
 * repo has no working tree (a mirror of a remote repo).
 */
export async function uncommittedWarning(repoDir: string, sha: string, subdir?: string): Promise<string | undefined> {
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD'], repoDir).catch(() => '')
  if (head.trim() !== sha) return undefined
  const pathspec = subdir === undefined ? [] : ['--', subdir]
  const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', ...pathspec], repoDir).catch(() => undefined)
  if (status === undefined) return undefined
  const files = changedFiles(status)
  if (files.length === 0) return undefined
  const more = files.length > NAMED ? `, and ${files.length - NAMED} more` : ''
  const count = files.length === 1 ? '1 file has' : `${files.length} files have`
  return `${count} uncommitted changes, not deployed (berth deploys the commit ${sha.slice(0, 7)}): ${files.slice(0, NAMED).join(', ')}${more}`
}

/** The paths in `git status --porcelain -z`: `XY path\0`, and a rename's old path after it. */
export function changedFiles(status: string): string[] {
  const entries = status.split('\0')
  const files: string[] = []
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? ''
    if (entry.length < 4) continue
    files.push(entry.slice(3))
    if (/[RC]/.test(entry.slice(0, 2))) i++
  }
  return files
}
