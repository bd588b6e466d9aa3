/**
 * An earlier berth measured next to this one in the same run, so a change to the deploy
 * core can be quoted "before/after, same run, same machine": either a checkout the user has
 * built (`--baseline DIR`), or a git worktree of a commit of this repository that the bench
 * checks out, builds, and removes again (`--baseline-ref REF`).
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { BenchUsageError } from './options.js'
import { baselineVersion } from './versions.js'

const run = promisify(execFile)

export interface Baseline {
  dir: string
  /** The built CLI the baseline runs, as users run theirs. */
  bin: string
  /** Its package version, commit and commit subject, for the report. */
  version: string
}

/** The baseline in `dir`, which must already be built: the bench builds only this checkout. */
export function openBaseline(dir: string): Baseline {
  const root = resolve(dir)
  const bin = join(root, 'bin', 'berth.js')
  if (!existsSync(bin)) {
    throw new BenchUsageError(`--baseline ${dir}: ${bin} does not exist. Build that checkout first (npm ci && npm run build in it), or let the bench do it with --baseline-ref REF`)
  }
  return { dir: root, bin, version: baselineVersion(root) }
}

export interface BaselineCheckout {
  dir: string
  /** Removes the worktree and its files; safe to call twice, never throws. */
  remove(): Promise<void>
}

/**
 * A git worktree of `ref` in a temporary directory, with its dependencies installed and its
 * CLI built. Nothing is left behind when a step fails or `signal` aborts it (Ctrl-C).
 */
export async function checkoutBaseline(root: string, ref: string, options: { signal: AbortSignal; log(line: string): void }): Promise<BaselineCheckout> {
  const { signal, log } = options
  let commit: string
  try {
    commit = (await run('git', ['-C', root, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { signal })).stdout.trim()
  } catch (error) {
    if (signal.aborted) throw error
    throw new BenchUsageError(`--baseline-ref ${ref}: not a commit of ${root}`)
  }
  const parent = mkdtempSync(join(tmpdir(), 'berth-bench-baseline-'))
  const dir = join(parent, 'berth')
  let isRemoved = false
  const remove = async (): Promise<void> => {
    if (isRemoved) return
    isRemoved = true
    // Not under `signal`: the cleanup runs after an interrupt too.
    await run('git', ['-C', root, 'worktree', 'remove', '--force', dir]).catch(() => undefined)
    rmSync(parent, { recursive: true, force: true })
    // Forgets the worktree even when `remove` failed half-way (its directory is gone now).
    await run('git', ['-C', root, 'worktree', 'prune']).catch(() => undefined)
  }
  try {
    log(`baseline: checking out ${ref} (${commit.slice(0, 7)}) into ${dir}`)
    await run('git', ['-C', root, 'worktree', 'add', '--detach', '--quiet', dir, commit], { signal })
    log('baseline: npm ci, npm run build')
    // The install scripts would only run `prepare`, which is the build that follows.
    await runInGroup('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], dir, signal)
    await runInGroup('npm', ['run', 'build', '--silent'], dir, signal)
    if (!existsSync(join(dir, 'bin', 'berth.js'))) throw new Error('its build wrote no bin/berth.js (is it older than the bundled CLI?)')
  } catch (error) {
    await remove()
    if (signal.aborted) throw error
    throw new BenchUsageError(`--baseline-ref ${ref}: preparing the baseline failed: ${(error as Error).message.slice(0, 400)}`)
  }
  return { dir, remove }
}

/**
 * Runs a command as the leader of its own process group, and stops the whole group when
 * `signal` aborts: npm does not pass a SIGTERM on to the scripts it started (tsc, esbuild),
 * which would otherwise go on building in a directory that is gone.
 */
function runInGroup(file: string, args: string[], cwd: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    if (signal.aborted) return reject(new Error('interrupted'))
    const child = spawn(file, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-8_000))
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const stop = (): void => {
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {
        // The group has already exited.
      }
    }
    signal.addEventListener('abort', stop, { once: true })
    child.once('error', (error) => {
      signal.removeEventListener('abort', stop)
      reject(error)
    })
    child.once('close', (code, killedBy) => {
      signal.removeEventListener('abort', stop)
      if (code === 0) return resolvePromise()
      const last = output.trim().split('\n').at(-1) ?? ''
      reject(new Error(`${file} ${args[0]} ${killedBy === null ? `exited with ${code}` : `was killed by ${killedBy}`}${last === '' ? '' : `: ${last}`}`))
    })
  })
}
