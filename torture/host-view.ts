/**
 * One host's deploy directory read straight from its disk (the fleet host's /srv on this
 * machine): what `current` points at and whether that release is complete, a fingerprint
 * of every release tree, the lock, and the sentinel files in `shared/`. Never through
 * berth: the torture checks the hosts, not what berth says about them.
 */
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { SENTINELS, WRITTEN, type Write } from './app.js'

const RELEASE_LINK = /^releases\/(\d{8}T\d{6}-[0-9a-f]{7})$/

export interface LiveCheck {
  /** The release id `current` names, or null. */
  live: string | null
  /** Why `current` is broken (missing, dangling, incomplete release), or null when it is fine. */
  broken: string | null
  /** The live release's recorded state (informational: e.g. `failed` after an interrupted revert). */
  state: string | null
}

export function readRecord(dir: string, id: string): { state?: string; revision?: string } | null {
  try {
    return JSON.parse(readFileSync(join(dir, '.berth', 'releases', `${id}.json`), 'utf8')) as { state?: string; revision?: string }
  } catch {
    return null
  }
}

/**
 * `current` must be a symlink to a release berth made, complete: record, REVISION, every
 * delivered path and every file of its commit (`tracked`).
 */
export function checkLive(dir: string, tracked: (revision: string) => string[]): LiveCheck {
  let link: string
  try {
    link = readlinkSync(join(dir, 'current'))
  } catch (error) {
    return { live: null, broken: `current is missing (${(error as NodeJS.ErrnoException).code})`, state: null }
  }
  const id = RELEASE_LINK.exec(link)?.[1] ?? null
  if (id === null) return { live: null, broken: `current points at "${link}", not a release`, state: null }
  const release = join(dir, 'releases', id)
  if (!existsSync(release)) return { live: id, broken: `current is dangling (${link})`, state: null }
  const record = readRecord(dir, id)
  if (record === null) return { live: id, broken: `current points at ${id}, which has no readable record`, state: null }
  const state = record.state ?? null
  if (state === 'preparing') return { live: id, broken: `current points at ${id}, still preparing`, state }
  let revision = ''
  try {
    revision = readFileSync(join(release, 'REVISION'), 'utf8').trim()
  } catch {
    return { live: id, broken: `current points at ${id}, which has no REVISION`, state }
  }
  if (revision !== record.revision) return { live: id, broken: `current points at ${id}, whose REVISION ${revision} is not its record's ${record.revision}`, state }
  const missing = [...deliveredPaths(dir, id), ...tracked(revision)].find((path) => !exists(join(release, path)))
  if (missing !== undefined) return { live: id, broken: `current points at ${id}, which lacks ${missing}`, state }
  return { live: id, broken: null, state }
}

function deliveredPaths(dir: string, id: string): string[] {
  try {
    return readFileSync(join(dir, '.berth', 'releases', `${id}.paths`), 'utf8').split('\n').filter((line) => line !== '')
  } catch {
    return []
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

function releaseIds(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'releases')).sort()
  } catch {
    return []
  }
}

/** A fingerprint of a release tree: every path with its type, mode and content (or link text). */
function hashTree(root: string): string {
  const hash = createHash('sha1')
  const walk = (rel: string): void => {
    const path = join(root, rel)
    const stat = lstatSync(path)
    hash.update(`${rel}\0${stat.mode.toString(8)}\0`)
    if (stat.isSymbolicLink()) hash.update(readlinkSync(path))
    else if (stat.isFile()) hash.update(readFileSync(path))
    else if (stat.isDirectory()) for (const entry of readdirSync(path).sort()) walk(rel === '' ? entry : `${rel}/${entry}`)
    hash.update('\n')
  }
  walk('')
  return hash.digest('hex')
}

/** Every release's fingerprint; a release removed while being read is left out. */
export function hashReleases(dir: string): Map<string, string> {
  const hashes = new Map<string, string>()
  for (const id of releaseIds(dir)) {
    try {
      hashes.set(id, hashTree(join(dir, 'releases', id)))
    } catch {
      // removed (cleanup) between the listing and the read
    }
  }
  return hashes
}

const isLocked = (dir: string): boolean => exists(join(dir, '.berth', 'lock'))

/** Sentinel files of `shared/` that are gone or changed. */
export function lostSentinels(dir: string): string[] {
  return Object.entries(SENTINELS)
    .filter(([path, content]) => {
      try {
        return readFileSync(join(dir, 'shared', path), 'utf8') !== content
      } catch {
        return true
      }
    })
    .map(([path]) => path)
}

/** The lock's token (who took it), `(no token)` for a lock whose holder was never written, or null. */
export function lockToken(dir: string): string | null {
  if (!isLocked(dir)) return null
  try {
    return readFileSync(join(dir, '.berth', 'lock', 'token'), 'utf8').trim()
  } catch {
    return '(no token)'
  }
}

/**
 * Tracked files of a release that differ from the commit it was made from, leaving out
 * those its own build hook wrote (its `torture/plan` says which): a file changed on the
 * host in an older release and passed on as unchanged shows up here.
 */
export function strayFiles(dir: string, id: string, committed: (revision: string, path: string) => Buffer | null): string[] {
  const release = join(dir, 'releases', id)
  let revision: string
  let write: Write
  try {
    revision = readFileSync(join(release, 'REVISION'), 'utf8').trim()
    write = (/^WRITE=(\w+)$/m.exec(readFileSync(join(release, 'torture', 'plan'), 'utf8'))?.[1] ?? 'none') as Write
  } catch {
    return []
  }
  const skip = new Set(WRITTEN[write] ?? [])
  return ['index.html', 'app.js', 'lib/data.txt', 'lib/blob.b64', 'torture/hook.sh']
    .filter((path) => !skip.has(path))
    .filter((path) => {
      const expected = committed(revision, path)
      if (expected === null) return false
      try {
        return !readFileSync(join(release, path)).equals(expected)
      } catch {
        return true
      }
    })
}
