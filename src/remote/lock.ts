/**
 * The deploy lock on a host: a directory under `.berth/` made with `mkdir` (atomic: no
 * test-then-write), holding who took it, their token and a heartbeat. Only the token's
 * owner frees it, unless the user forces it open.
 */
import { posix } from 'node:path'
import type { LockHolder } from '../errors.js'
import type { Layout } from '../release/layout.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { ensureDir } from './directories.js'
import { all, script } from './script.js'

/** True when the lock still carries `token` (read with a shell builtin, no process). */
export function holdsLock(layout: Layout, token: string): string {
  return `{ IFS= read -r __berth_token < ${q(posix.join(layout.lock, 'token'))}; } 2>/dev/null && [ "$__berth_token" = ${q(token)} ]`
}

/**
 * Takes the lock and writes the holder and a heartbeat. Prints `@lock acquired` or
 * `@lock held` followed by what the holder wrote. A lock without a heartbeat is one being
 * written (just after its holder's mkdir) or being removed (`rm -rf` empties it before the
 * rmdir): seen in that instant it would read as an unknown, stale holder and the user be
 * told to force it open, so it is tried once more a second later. A lock whose holder could
 * not be written (a full disk) is removed again at once: it would hold every later run off.
 */
export function takeLock(layout: Layout, holder: LockHolder & { token: string }): string {
  const info = posix.join(layout.lock, 'info.json')
  return script(
    `${ensureDir(layout.berth)} || exit 1`,
    // The host's clock, read once: the heartbeat and the state read after this share it.
    `__berth_now=$(date +%s)`,
    `for attempt in 1 2; do`,
    `  if mkdir ${q(layout.lock)} 2>/dev/null; then`,
    `    printf '%s\\n' ${q(JSON.stringify(holder))} > ${q(info)} && printf '%s\\n' ${q(holder.token)} > ${q(posix.join(layout.lock, 'token'))} && printf '%s\\n' "$__berth_now" > ${q(posix.join(layout.lock, 'heartbeat'))} || { rm -rf ${q(layout.lock)}; echo 'berth: could not write the lock (is the disk full?)' >&2; exit 1; }`,
    `    echo '@lock acquired'`,
    `    break`,
    `  fi`,
    `  if [ -s ${q(posix.join(layout.lock, 'heartbeat'))} ] || [ "$attempt" = 2 ]; then`,
    `    __berth_holder=; { IFS= read -r __berth_holder < ${q(info)}; } 2>/dev/null; printf '@lock held %s\\n' "$__berth_holder"`,
    `    break`,
    `  fi`,
    `  sleep 1`,
    `done`,
  )
}

/** Removes the lock only if it still carries our token: a run never frees someone else's lock. */
export function releaseLock(layout: Layout, token: string): string {
  return `if ${holdsLock(layout, token)}; then rm -rf ${q(layout.lock)}; fi`
}

/** Removes whatever lock is there (`unlock --force`, or a holder proven dead). */
export function breakLock(layout: Layout, expectedToken?: string): string {
  if (expectedToken === undefined) return shellJoin(['rm', '-rf', layout.lock])
  return releaseLock(layout, expectedToken)
}

/** Refreshes the heartbeat so other machines can tell a live deploy from a dead one. */
export function touchHeartbeat(layout: Layout, token: string): string {
  return all(holdsLock(layout, token), `date +%s > ${q(posix.join(layout.lock, 'heartbeat'))}`)
}
