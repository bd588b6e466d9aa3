/**
 * A stable id for this machine's berth, kept in the user's config directory. Host names
 * do not tell machines apart: CI runners and containers are often all called `runner` or
 * `localhost`. The deploy lock records this id so that a run breaks a lock left by a
 * dead process only when that process really ran here (see `pipeline/lock.ts`).
 */
import { randomUUID } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, userInfo } from 'node:os'
import { isAbsolute, join } from 'node:path'

export interface ConfigDirOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv
  /** @default os.homedir() */
  home?: string
}

/**
 * berth's directory for per-user settings: `$BERTH_CONFIG_DIR`, else
 * `$XDG_CONFIG_HOME/berth`, else `~/.config/berth`.
 */
export function configDir(options: ConfigDirOptions = {}): string {
  const env = options.env ?? process.env
  if (env.BERTH_CONFIG_DIR) return env.BERTH_CONFIG_DIR
  // The XDG base directory spec says a relative value is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME
  if (xdg && isAbsolute(xdg)) return join(xdg, 'berth')
  return join(options.home ?? homedir(), '.config', 'berth')
}

const MACHINE_ID = /^[A-Za-z0-9-]{8,128}$/

/**
 * This machine's id, created (a random UUID, file 0600 in a 0700 directory) the first
 * time it is asked for. Undefined when the config directory cannot be read or written
 * (a read-only home on a CI runner): callers then fall back to the host name, as for
 * locks taken by berth versions that had no machine id.
 */
export function machineId(options: ConfigDirOptions = {}): string | undefined {
  const dir = configDir(options)
  const file = join(dir, 'machine-id')
  const existing = readId(file)
  if (existing !== undefined) return existing
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const id = randomUUID()
    // Written beside, then put in place whole: a reader never sees half a file.
    const temporary = join(dir, `.machine-id.${process.pid}.${randomUUID()}`)
    writeFileSync(temporary, `${id}\n`, { mode: 0o600, flag: 'wx' })
    try {
      return placeFirst(temporary, file) ? id : readId(file)
    } finally {
      rmSync(temporary, { force: true })
    }
  } catch {
    return undefined
  }
}

/**
 * Puts the new file in place unless another process got there first (two berth runs
 * started at once on a fresh machine must agree on one id): a hard link fails when the
 * name exists, where a rename would replace it. Filesystems without hard links fall back
 * to a rename, where the last writer wins.
 */
function placeFirst(temporary: string, file: string): boolean {
  try {
    linkSync(temporary, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && readId(file) !== undefined) return false
    renameSync(temporary, file)
    return true
  }
}

function readId(file: string): string | undefined {
  try {
    const id = readFileSync(file, 'utf8').trim()
    return MACHINE_ID.test(id) ? id : undefined
  } catch {
    return undefined
  }
}

/** Who runs berth, as locks, history and notifications name them: $USER, else the account's name. */
export function currentUser(): string {
  const user = process.env.USER ?? process.env.LOGNAME ?? ''
  if (user !== '') return user
  try {
    return userInfo().username
  } catch {
    // No passwd entry for this uid (a container's arbitrary user): say so rather than fail.
    return 'unknown'
  }
}
