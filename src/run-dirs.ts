/**
 * This machine's temporary directories of a run (the deploy's packing area, the staging
 * tree of a build, the ssh control sockets). Each carries a hash of the host name and the pid
 * of the berth that made it (`berth-deploy-3f9a1c0d-1234-XXXXXX`): a run removes its own when it
 * ends, and one killed outright (SIGKILL, a power cut) cannot, so later runs remove those
 * whose berth is gone — only their own user's, and only those made under this host name
 * (containers sharing a /tmp each count pids of their own).
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { isProcessAlive } from './process-alive.js'

/** The host name, short (a control socket's path must stay under ~107 bytes) and safe in a file name. */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
const NAMED = /^berth-(deploy|tree|ssh)-([0-9a-f]{8})-(\d+)-[^-]+$/

/** A new private directory under `base` for this process. */
export function makeRunDir(base: string, kind: 'deploy' | 'tree' | 'ssh'): string {
  return mkdtempSync(join(base, `berth-${kind}-${HOST}-${process.pid}-`))
}

/** Removes the run directories under `base` left by berth processes that no longer exist. */
export function sweepDeadRunDirs(base: string, isAlive: (pid: number) => boolean = isProcessAlive): string[] {
  let names: string[]
  try {
    names = readdirSync(base)
  } catch {
    // No such base (yet), or not ours to read: nothing to sweep there.
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const match = NAMED.exec(name)
    const pid = Number(match?.[3])
    if (match?.[2] !== HOST || !Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue
    const path = join(base, name)
    try {
      if (statSync(path).uid !== process.getuid?.()) continue
      rmSync(path, { recursive: true, force: true, maxRetries: 2 })
      removed.push(name)
    } catch {
      // Gone meanwhile, or not removable: a leftover is not worth failing this run for.
    }
  }
  return removed
}
