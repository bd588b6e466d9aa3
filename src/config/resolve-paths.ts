/**
 * Paths in the config: local ones are relative to the config file's directory; remote
 * ones (`deployTo`) must be absolute because every host sees the same string.
 */
import { execFileSync } from 'node:child_process'
import { homedir } from 'node:os'
import path from 'node:path'

/** `git@host:org/repo.git`, `https://…`, `ssh://…`, `file://…`: anything that is not a local path. */
export function isRepoUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s:]+:/.test(repo)
}

/** A local path from the config: `~/` is the deployer's home, relative is relative to `rootDir`. */
export function resolveLocalPath(rootDir: string, written: string): string {
  if (written === '~' || written.startsWith('~/')) return path.join(homedir(), written.slice(1))
  return path.resolve(rootDir, written)
}

/** `tmp/pids/` and `./tmp//pids` are the same path; messages and plans show one spelling. */
export function normalizeRelative(written: string): string {
  const normal = path.posix.normalize(written).replace(/\/+$/, '')
  return normal === '' ? '.' : normal
}

export function normalizeRemote(written: string): string {
  const normal = path.posix.normalize(written)
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal
}

const toplevels = new Map<string, string | undefined>()

/** The git work tree containing `dir`, or `undefined` outside one (or without git). */
export function findGitToplevel(dir: string): string | undefined {
  if (!toplevels.has(dir)) {
    let toplevel: string | undefined
    try {
      toplevel = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    } catch {
      toplevel = undefined
    }
    toplevels.set(dir, toplevel === '' ? undefined : toplevel)
  }
  return toplevels.get(dir)
}
