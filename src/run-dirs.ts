/**
 * This machine's temporary directories of a run (the deploy's packing area, the staging
 * tree of a build, the ssh control sockets). Each carries the pid of the berth that made it
 * (`berth-deploy-<pid>-XXXXXX`): a run removes its own when it ends, and one killed outright
 * (SIGKILL, a power cut) cannot, so every later run removes those whose berth is gone.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const NAMED = /^berth-(deploy|tree|ssh)-(\d+)-/

/** A new private directory under `base` for this process. */
export function makeRunDir(base: string, kind: 'deploy' | 'tree' | 'ssh'): string {
  return mkdtempSync(join(base, `berth-${kind}-${process.pid}-`))
}

/** Removes the run directories under `base` left by berth processes that no longer exist. */
export function sweepDeadRunDirs(base: string, isAlive: (pid: number) => boolean = isProcessAlive): string[] {
  let names: string[]
  try {
    names = readdirSync(base)
  } catch {
    // No such base (yet): nothing was left there.
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const pid = Number(NAMED.exec(name)?.[2] ?? Number.NaN)
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue
    rmSync(join(base, name), { recursive: true, force: true, maxRetries: 2 })
    removed.push(name)
  }
  return removed
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user (whose directory this is not ours to judge).
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}
