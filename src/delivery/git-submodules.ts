/**
 * Submodules: where the deploying machine finds a submodule's commit, and which commits a
 * `git`-strategy host must fetch (the app's, then each submodule's, recursively, with the
 * URL each is fetched from). Submodule URLs written relative (`../lib.git`) are relative to
 * the repo that holds them, as git reads them.
 */
import { execFile } from 'node:child_process'
import { join, posix, resolve } from 'node:path'
import { promisify } from 'node:util'
import { StateError } from '../errors.js'
import type { MirroredCommit } from '../remote/git.js'
import { git, localRepoFor } from './local-git.js'

const run = promisify(execFile)

/** `cacheDir` is berth's cache, where mirrors of submodule URLs are kept (`localRepoFor`). */
export async function commitsToMirror(repoDir: string, url: string, sha: string, subdir: string | undefined, cacheDir: string): Promise<MirroredCommit[]> {
  const within = subdir === undefined ? '' : subdir.replace(/\/+$/, '')
  return [{ url, sha, prefix: '', tree: within }, ...(await submodulesOf(repoDir, url, sha, within, '', cacheDir))]
}

async function submodulesOf(repoDir: string, url: string, sha: string, within: string, prefix: string, cacheDir: string): Promise<MirroredCommit[]> {
  const links = (await git(['ls-tree', '-r', '-z', sha], repoDir))
    .split('\0')
    .filter((line) => line.startsWith('160000 commit '))
    .map((line) => ({ sha: line.split(/[ \t]/)[2] ?? '', path: line.slice(line.indexOf('\t') + 1) }))
    .filter((link) => within === '' || link.path.startsWith(`${within}/`))
  if (links.length === 0) return []
  const urls = await submoduleUrls(repoDir, sha)
  const found: MirroredCommit[] = []
  for (const link of links) {
    const subUrl = resolveSubmoduleUrl(url, urls.get(link.path) ?? '')
    const subPrefix = posix.join(prefix, within === '' ? link.path : link.path.slice(within.length + 1))
    found.push({ url: subUrl, sha: link.sha, prefix: subPrefix, tree: '' })
    const subRepo = await submoduleRepo(repoDir, sha, link.path, link.sha, cacheDir)
    found.push(...(await submodulesOf(subRepo, subUrl, link.sha, '', subPrefix, cacheDir)))
  }
  return found
}

/** path → url, from the commit's own `.gitmodules`. */
async function submoduleUrls(repoDir: string, sha: string): Promise<Map<string, string>> {
  const out = await git(['config', '--blob', `${sha}:.gitmodules`, '--get-regexp', '^submodule\\..*\\.(path|url)$'], repoDir).catch(() => '')
  const byName = new Map<string, { path?: string; url?: string }>()
  for (const line of out.split('\n')) {
    const match = /^submodule\.(.*)\.(path|url) (.*)$/.exec(line)
    if (!match) continue
    const entry = byName.get(match[1]!) ?? {}
    entry[match[2] as 'path' | 'url'] = match[3]!
    byName.set(match[1]!, entry)
  }
  return new Map([...byName.values()].flatMap((e) => (e.path && e.url ? [[e.path, e.url] as [string, string]] : [])))
}

/**
 * A local repo holding the submodule's commit: its checkout, its git dir under
 * `.git/modules/`, or else berth's cached mirror of the URL `.gitmodules` gives it (the case
 * when berth deploys from a remote `repo:`, whose cached mirror has no submodules).
 */
export async function submoduleRepo(repoDir: string, parentSha: string, path: string, sha: string, cacheDir: string): Promise<string> {
  const modules = (await git(['rev-parse', '--git-path', `modules/${path}`], repoDir)).trim()
  // An uninitialised submodule's directory belongs to the parent repo, which lacks the commit.
  for (const dir of [join(repoDir, path), resolve(repoDir, modules)]) if (await hasCommit(dir, sha)) return dir
  const url = (await submoduleUrls(repoDir, parentSha)).get(path)
  const parentUrl = (await git(['config', '--get', 'remote.origin.url'], repoDir).catch(() => '')).trim()
  if (url !== undefined && (parentUrl !== '' || !/^\.\.?\//.test(url))) {
    const mirror = await localRepoFor(resolveSubmoduleUrl(parentUrl, url), cacheDir)
    if (await hasCommit(mirror, sha)) return mirror
  }
  throw new StateError(`submodule ${path} at ${sha.slice(0, 7)} is not available in ${repoDir}`, {
    step: 'fetch',
    hint: 'run `git submodule update --init --recursive` in the repo berth deploys from, or push the submodule commit to its remote',
  })
}

async function hasCommit(dir: string, sha: string): Promise<boolean> {
  try {
    await run('git', ['cat-file', '-e', `${sha}^{commit}`], { cwd: dir })
    return true
  } catch {
    return false
  }
}

/** `../lib.git` next to `https://host/org/app.git` is `https://host/org/lib.git`. */
export function resolveSubmoduleUrl(parent: string, url: string): string {
  if (!url.startsWith('./') && !url.startsWith('../')) return url
  const scp = /^([^/:]+@[^/:]+:)(.*)$/.exec(parent)
  const [head, path] = scp ? [scp[1]!, scp[2]!] : ['', parent]
  const parts = path.replace(/\/+$/, '').split('/')
  for (const segment of url.split('/')) {
    if (segment === '..') parts.pop()
    else if (segment !== '.' && segment !== '') parts.push(segment)
  }
  return head + parts.join('/')
}
