/**
 * Git on the deploying machine: resolving the ref once, and reading trees. Always argv,
 * never a shell, so refs and paths are inert data.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { defaultCacheDir } from '../cache-dir.js'
import { StateError, UsageError } from '../errors.js'

const run = promisify(execFile)

export interface GitOptions {
  /** Variables added to this process's environment. */
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  timeoutMs?: number
  /** The step a failure is reported in. @default 'fetch' */
  step?: string
}

export async function git(args: string[], cwd: string, options: GitOptions = {}): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    })
    return stdout
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string }
    if (e.code === 'ENOENT') throw new StateError('git is not installed on this machine', { hint: 'install git (e.g. apt-get install git)' })
    throw new StateError(`git ${args[0]} failed in ${cwd}: ${(e.stderr || e.message).trim()}`, { step: options.step ?? 'fetch', cause: error })
  }
}

function isRemoteRepo(repo: string): boolean {
  return /^[a-z+]+:\/\//i.test(repo) || /^[^/\s]+@[^/\s]+:/.test(repo)
}

/**
 * A local path usable by git: the repo itself, or for a URL a bare mirror kept in berth's
 * cache (`repos/` under `cacheDir`) and fetched once per deploy.
 */
export async function localRepoFor(repo: string, cacheDir = defaultCacheDir()): Promise<string> {
  if (!isRemoteRepo(repo)) {
    if (!existsSync(repo)) throw new StateError(`repo ${repo} does not exist`, { step: 'fetch', hint: 'check `repo:` in the config' })
    return repo
  }
  const mirrors = join(cacheDir, 'repos')
  const dir = join(mirrors, createHash('sha256').update(repo).digest('hex').slice(0, 16))
  if (!existsSync(join(dir, 'HEAD'))) {
    await mkdir(mirrors, { recursive: true })
    await git(['clone', '--mirror', '--quiet', '--', repo, dir], mirrors)
  } else {
    await git(['fetch', '--prune', '--quiet', 'origin'], dir)
  }
  return dir
}

/** Resolves a ref (branch, tag, sha) to a full commit sha, or says clearly that it can't. */
export async function resolveRef(repoDir: string, ref: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
      cwd: repoDir,
      encoding: 'utf8',
    })
    return stdout.trim()
  } catch {
    throw new UsageError(`ref "${ref}" is not a commit in ${repoDir}`, {
      step: 'fetch',
      hint: 'pass an existing branch, tag or sha with --ref, or set `branch:` in the config',
    })
  }
}
