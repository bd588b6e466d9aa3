/**
 * Builds the release tree on the deploying machine: `git archive` of the whole commit
 * (submodules included) into a clean directory, then the `build` commands there, each in
 * the checkout's root unless its `cwd` says otherwise. A build may so read and write
 * outside `subdir` (build `client/`, ship `server/` with the built client inside it). The
 * release is `subdir` (or the whole checkout): its committed files plus the `include`d
 * outputs, whose paths are relative to it. The result is a staging directory plus the list
 * of paths to ship.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import type { BuildConfig } from '../config/types.js'
import { StateError } from '../errors.js'
import { makeRunDir } from '../run-dirs.js'
import { submoduleRepo } from './git-submodules.js'
import { git } from './local-git.js'

export interface ReleaseTree {
  /** Root of the tree to ship (the staging dir, or its `subdir`). */
  root: string
  /** Paths relative to `root` that belong to the release (files, links, build outputs). */
  paths: string[]
  /** Removes the staging directory. */
  dispose(): Promise<void>
}

export interface TreeOptions {
  repoDir: string
  sha: string
  subdir?: string
  build: BuildConfig[]
  /** berth's cache, where mirrors of submodule URLs are kept (`localRepoFor`). */
  cacheDir: string
  /** Runs one build command (locally, in `cwd` inside the checkout); provided by the pipeline for events. */
  runBuild: (command: string, cwd: string) => Promise<void>
}

export async function buildReleaseTree(options: TreeOptions): Promise<ReleaseTree> {
  const staging = makeRunDir(tmpdir(), 'tree')
  const dispose = (): Promise<void> => rm(staging, { recursive: true, force: true })
  try {
    await exportCommit(options.repoDir, options.sha, staging, options.cacheDir)
    const root = options.subdir === undefined ? staging : join(staging, options.subdir)
    const tracked = await listFiles(root)
    if (tracked.length === 0 && options.subdir !== undefined) {
      throw new StateError(`subdir "${options.subdir}" is empty or missing at ${options.sha.slice(0, 7)}`, {
        step: 'fetch',
        hint: 'check `subdir:` in the config',
      })
    }
    for (const step of options.build) await options.runBuild(step.run, join(staging, step.cwd ?? ''))
    const included = options.build.flatMap((step) => step.include.map((path) => path.replace(/\/+$/, '')))
    const missing = included.filter((path) => !existsSync(join(root, path)))
    if (missing.length > 0) {
      throw new StateError(`the build did not produce ${missing.join(', ')}`, { step: 'fetch', hint: 'check `build[].include` against what the build writes' })
    }
    const paths = [...new Set([...tracked, ...included])].sort()
    return { root, paths, dispose }
  } catch (error) {
    await dispose()
    throw error
  }
}

/** `git archive` of the whole commit into `dest`, then each submodule into place. */
async function exportCommit(repoDir: string, sha: string, dest: string, cacheDir: string): Promise<void> {
  await pipeArchive(repoDir, ['archive', '--format=tar', sha], dest)
  for (const sub of await submodulesOf(repoDir, sha)) {
    const subRepo = await submoduleRepo(repoDir, sha, sub.path, sub.sha, cacheDir)
    await mkdir(join(dest, sub.path), { recursive: true })
    await exportCommit(subRepo, sub.sha, join(dest, sub.path), cacheDir)
  }
}

async function submodulesOf(repoDir: string, sha: string): Promise<{ path: string; sha: string }[]> {
  const out = await git(['ls-tree', '-r', '-z', sha], repoDir)
  return out
    .split('\0')
    .filter((line) => line.startsWith('160000 commit '))
    .map((line) => {
      const [meta = '', path = ''] = line.split('\t')
      return { path, sha: meta.split(' ')[2] ?? '' }
    })
}

function pipeArchive(repoDir: string, args: string[], dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', args, { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] })
    const tar = spawn('tar', ['-x', '-f', '-', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    archive.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    archive.stdout.pipe(tar.stdin)
    let pending = 2
    let failed = false
    const done = (code: number | null): void => {
      if (code !== 0 && !failed) {
        failed = true
        reject(new StateError(`git ${args.join(' ')} | tar -x failed: ${stderr.trim()}`, { step: 'fetch' }))
      }
      if (--pending === 0 && !failed) resolve()
    }
    archive.on('close', done)
    tar.on('close', done)
    archive.on('error', reject)
    tar.on('error', reject)
  })
}

/** Every file and symlink under `root`, relative, sorted (directories are implied). */
async function listFiles(root: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => posix.relative(root, posix.join(entry.parentPath, entry.name)))
    .sort()
}
