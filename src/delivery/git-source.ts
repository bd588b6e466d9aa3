/**
 * The release tree read straight from git, with no checkout: the file list and content
 * ids come from `git ls-tree` (a blob id is a content hash, so nothing is read or hashed
 * here), and the bytes of exactly the files a host needs come from `git archive` of those
 * paths. Submodules are walked the same way and archived under their path.
 */
import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { posix } from 'node:path'
import { StateError } from '../errors.js'
import { appendOutput } from './append-output.js'
import { git } from './local-git.js'
import type { Manifest } from './manifest.js'
import { submoduleRepo } from './git-submodules.js'
import { hashFiles, type BlobFile } from './hash-file.js'

/** One repository's share of the release: the main repo, or a submodule under `prefix`. */
interface Part {
  repoDir: string
  /** What `git archive` is given: `sha`, or `sha:subdir`. */
  treeish: string
  /** Where its files sit in the release ('' for the main repo). */
  prefix: string
  /** Where that tree sits inside its own repository (the `subdir`, for the main repo). */
  within: string
}

export interface GitSource {
  manifest: Manifest
  /** Appends a tar of `paths` (every file when 'all') to `file`, each name under `into/`. */
  pack(paths: string[] | 'all', file: string, into: string): Promise<void>
  /** The content of each file of `paths`, by path, as `git archive` gives it, unpacked into `dir`. */
  contents(paths: readonly string[], dir: string): Promise<Map<string, BlobFile>>
}

/** `cacheDir` is berth's cache, where mirrors of submodule URLs are kept (`localRepoFor`). */
export async function readGitSource(repoDir: string, sha: string, subdir: string | undefined, cacheDir: string): Promise<GitSource> {
  const manifest: Manifest = new Map()
  const parts: Part[] = []
  const owner = new Map<string, Part>()
  const walk = async (part: Part): Promise<void> => {
    parts.push(part)
    const links: { path: string; blob: string }[] = []
    const out = await git(['ls-tree', '-r', '-z', '-l', '--full-tree', part.treeish], part.repoDir).catch((error: unknown) => {
      throw new StateError(`${part.treeish} is not in ${part.repoDir}`, { step: 'fetch', cause: error, hint: 'check `subdir:` in the config' })
    })
    for (const line of out.split('\0')) {
      const tab = line.indexOf('\t')
      if (tab < 0) continue
      const [mode = '', type = '', id = '', size = ''] = line.slice(0, tab).split(/ +/)
      const path = posix.join(part.prefix, line.slice(tab + 1))
      if (type === 'commit') {
        const sub = await submoduleRepo(part.repoDir, part.treeish.split(':')[0]!, posix.join(part.within, line.slice(tab + 1)), id, cacheDir)
        await walk({ repoDir: sub, treeish: id, prefix: path, within: '' })
      } else if (mode === '120000') {
        links.push({ path, blob: id })
        owner.set(path, part)
      } else if (type === 'blob') {
        manifest.set(path, { type: 'file', path, mode: mode === '100755' ? 0o755 : 0o644, size: Number(size), hash: id })
        owner.set(path, part)
      }
    }
    const targets = await readBlobs(part.repoDir, links.map((link) => link.blob))
    for (const link of links) manifest.set(link.path, { type: 'link', path: link.path, target: targets.get(link.blob) ?? '' })
  }
  const within = subdir === undefined ? '' : subdir.replace(/\/+$/, '')
  await walk({ repoDir, treeish: within === '' ? sha : `${sha}:${within}`, prefix: '', within })
  if (manifest.size === 0 && subdir !== undefined) {
    throw new StateError(`subdir "${subdir}" is empty at ${sha.slice(0, 7)}`, { step: 'fetch', hint: 'check `subdir:` in the config' })
  }
  const pack = async (paths: string[] | 'all', file: string, into: string): Promise<void> => {
    for (const part of parts) {
      const mine = paths === 'all' ? null : paths.filter((path) => owner.get(path) === part).map((path) => posix.relative(part.prefix || '.', path))
      if (mine !== null && mine.length === 0) continue
      // Pathspecs go in argv: a large change is archived in batches, one archive after another (hosts unpack with `tar -i`).
      for (const batch of mine === null ? [null] : argvBatches(mine)) await archiveInto(part, batch, file, into)
    }
  }
  return {
    manifest: sortManifest(manifest),
    pack,
    // As `git archive` gives them (export-subst, eol and filters applied: what every delivery ships), unpacked into `dir`.
    contents: async (paths, dir) => {
      const tar = `${dir}.tar`
      await rm(tar, { force: true })
      await pack([...paths], tar, 'tree')
      await untar(tar, dir)
      return hashFiles(paths, (path) => posix.join(dir, 'tree', path))
    },
  }
}

/** Unpacks `tar` into `dir`; -i: a source of several repositories (submodules) is one archive after another. */
function untar(tar: string, dir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('tar', ['-x', '-i', '-f', tar, '-C', dir], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new StateError(`unpacking the release's files failed: ${stderr.trim()}`, { step: 'fetch' }))))
  })
}

/** Bytes of paths per `git archive` command line: far below Linux's 2 MB for all arguments. */
const ARGV_BYTES = 256 * 1024

function argvBatches(paths: string[]): string[][] {
  const batches: string[][] = [[]]
  let bytes = 0
  for (const path of paths) {
    const size = Buffer.byteLength(path) + 1
    if (bytes + size > ARGV_BYTES && batches.at(-1)!.length > 0) {
      batches.push([])
      bytes = 0
    }
    batches.at(-1)!.push(path)
    bytes += size
  }
  return batches
}

function sortManifest(manifest: Manifest): Manifest {
  return new Map([...manifest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** Contents of small blobs (symlink targets), by id, through one `git cat-file --batch`. */
async function readBlobs(repoDir: string, ids: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  if (ids.length === 0) return found
  const output = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: repoDir, stdio: ['pipe', 'pipe', 'inherit'] })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new StateError(`git cat-file failed in ${repoDir}`))))
    child.stdin.end(ids.map((id) => `${id}\n`).join(''))
  })
  let at = 0
  for (const id of ids) {
    const headerEnd = output.indexOf(10, at)
    const size = Number(output.subarray(at, headerEnd).toString().split(' ')[2])
    found.set(id, output.subarray(headerEnd + 1, headerEnd + 1 + size).toString())
    at = headerEnd + 1 + size + 1
  }
  return found
}

/** `git archive` of some paths of one part (all when null) under `into/`, appended to `file`. */
function archiveInto(part: Part, paths: string[] | null, file: string, into: string): Promise<void> {
  // Literal pathspecs: a file named `*.js` or `:x` means itself, not a pattern. tar.umask:
  // git's default (0002) makes entries 0664/0775, and root's `tar -x` on a host keeps them
  // as they are; 022 gives 0644/0755, the modes the manifest records.
  const args = ['-c', 'tar.umask=022', '--literal-pathspecs', 'archive', '--format=tar', `--prefix=${posix.join(into, part.prefix)}/`]
  args.push(part.treeish)
  if (paths !== null) args.push('--', ...paths)
  return appendOutput(file, 'git', args, part.repoDir).catch((error: Error) => {
    throw new StateError(`git archive failed in ${part.repoDir}: ${error.message}`, { step: 'fetch' })
  })
}
