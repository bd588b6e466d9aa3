/**
 * The hooks a run has running on a host, kept beside its lock so that a run which died
 * (SIGKILL, a lost machine) cannot have its lock broken while a hook it started still runs
 * there (README, "What a deploy does": lock). Each hook writes one line into `.berth/lock/hook.<pid>` as it
 * starts and empties it when it ends, with shell builtins only; a deploy without hooks
 * never touches these files.
 *
 * A hook is known by its process group (on Linux, read from `/proc`): a hook's shell dies
 * with its ssh channel, but a child that ignores SIGTERM outlives it, and the group is
 * what `unlock --force` stops. The group leader's start time is kept with it, so a group id
 * the kernel has since handed to an unrelated process is never taken for the hook.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { holdsLock } from './lock.js'
import { script } from './script.js'

const hookFile = (layout: Layout, pid: string): string => `${q(posix.join(layout.lock, 'hook.'))}${pid}`

/** `read` of `/proc/<pid>/stat`: field 5 is the process group, field 22 the start time. */
const READ_STAT = (pid: string, fields: string): string => `{ IFS=' ' read -r ${fields} < /proc/${pid}/stat; } 2>/dev/null`
const START_FIELDS = (name: string): string => `_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ ${name} _`

/**
 * Runs `command` (a hook's whole script) as a tracked hook of the run holding `token`: it is
 * recorded only while that run holds the lock (a `before_lock` hook, or one whose run lost
 * its lock, records nothing). The command runs in a subshell so its own `exit` still lets
 * the record be emptied; the status is the command's.
 */
export function trackedHook(layout: Layout, token: string, hook: string, command: string): string {
  const name = hook.replace(/[\r\n]+/g, ' ')
  return script(
    `__berth_hook=`,
    `if ${holdsLock(layout, token)}; then`,
    `  __berth_g=-; __berth_t=-; ${READ_STAT('$$', '_ _ _ _ __berth_g _')} && ${READ_STAT('$__berth_g', START_FIELDS('__berth_t'))}`,
    `  __berth_hook=${hookFile(layout, '$$')}`,
    `  printf '%s %s %s %s\\n' "$$" "$__berth_g" "$__berth_t" ${q(name)} > "$__berth_hook" 2>/dev/null || __berth_hook=`,
    `fi`,
    `(`,
    command,
    `)`,
    `__berth_status=$?`,
    `[ -z "$__berth_hook" ] || { : > "$__berth_hook"; } 2>/dev/null`,
    `exit "$__berth_status"`,
  )
}

/**
 * Shell that sets `__berth_alive` to 1 when the recorded hook ($__berth_p, $__berth_g,
 * $__berth_t) still runs. Where `/proc` exists, its group must have a member that is not a
 * zombie (a killed hook's children wait there for init to reap them); the scan is shell
 * builtins only, and runs only for a lock that is held. Elsewhere `kill -0` decides, and a
 * refusal for want of permission (a hook run as another user) still means it is there:
 * only "no such process" means gone.
 */
function checkAlive(): string {
  return script(
    `__berth_alive=`,
    `if [ "$__berth_g" = - ]; then __berth_target=$__berth_p; else __berth_target=-$__berth_g; fi`,
    `if [ "$__berth_g" != - ] && [ -r /proc/self/stat ]; then`,
    `  for __berth_s in /proc/[0-9]*/stat; do`,
    `    __berth_l=; { IFS= read -r __berth_l < "$__berth_s"; } 2>/dev/null`,
    // "pid (comm) state ppid pgrp ...": the name may hold spaces and parentheses, so cut after the last ") ".
    `    __berth_r=\${__berth_l##*) }; __berth_st=\${__berth_r%% *}; __berth_r=\${__berth_r#* }; __berth_r=\${__berth_r#* }`,
    `    if [ "\${__berth_r%% *}" = "$__berth_g" ] && [ "$__berth_st" != Z ]; then __berth_alive=1; break; fi`,
    `  done`,
    `else`,
    `  case $(kill -0 "$__berth_target" 2>&1) in *'o such process'*) ;; *) __berth_alive=1;; esac`,
    `fi`,
    // A leader still there with another start time is a new process that reuses the number.
    `if [ -n "$__berth_alive" ] && [ "$__berth_t" != - ] && ${READ_STAT('$__berth_g', START_FIELDS('__berth_now_t'))} && [ "$__berth_now_t" != "$__berth_t" ]; then __berth_alive=; fi`,
  )
}

/** Reads the record of hook shell `$__berth_p` into `$__berth_g`, `$__berth_t`, `$__berth_n`; false when it is not one. */
function readRecord(layout: Layout): string {
  return script(
    `__berth_g=; __berth_t=; __berth_n=; { IFS=' ' read -r __berth_p __berth_g __berth_t __berth_n < ${hookFile(layout, '"$__berth_p"')}; } 2>/dev/null`,
    `case $__berth_p in ''|*[!0-9]*) false;; *) case $__berth_g in -) ;; ''|*[!0-9]*) false;; esac;; esac`,
  )
}

/** Runs `body` for each hook record that is not empty, its fields read (see `readRecord`). */
function eachRecorded(layout: Layout, body: string): string {
  return script(
    `for __berth_f in ${q(posix.join(layout.lock, 'hook.'))}*; do`,
    `  [ -s "$__berth_f" ] || continue`,
    `  __berth_p=\${__berth_f##*/hook.}`,
    `  { ${readRecord(layout)}\n} || continue`,
    body,
    `done`,
  )
}

/** Prints `@lock-hook <pid> <pgid|-> <hook>` for each hook of the lock's run that still runs (builtins only). */
export function listLockHooks(layout: Layout): string {
  return eachRecorded(layout, script(checkAlive(), `[ -z "$__berth_alive" ] || printf '@lock-hook %s %s %s\\n' "$__berth_p" "$__berth_g" "$__berth_n"`))
}

/**
 * Stops the lock's leftover hooks (`unlock --force`): SIGTERM to each one's process group,
 * up to `graceSeconds` for them to end, then SIGKILL. Prints `@stopped <pid> <signal> <hook>`
 * per hook (`-` when it could not be stopped, e.g. not permitted); always exits 0.
 */
export function stopLockHooks(layout: Layout, graceSeconds: number): string {
  const signal = (sig: string): string => `kill -${sig} "$__berth_target" 2>/dev/null`
  // Pids only in this list (digits, checked: a path with spaces could not be split safely);
  // each one's record is kept in variables named by it, as the hook may empty its file meanwhile.
  const recall = `eval "__berth_g=\\$__berth_g_$__berth_p __berth_t=\\$__berth_t_$__berth_p __berth_n=\\$__berth_n_$__berth_p"`
  const again = (indent: string, body: string): string =>
    [`for __berth_p in $__berth_left; do`, `  ${recall}`, `  ${checkAlive().replaceAll('\n', '\n  ')}`, `  ${body}`, `done`].join('\n').replaceAll('\n', `\n${indent}`)
  const remember = `eval "__berth_g_$__berth_p=\\$__berth_g __berth_t_$__berth_p=\\$__berth_t __berth_n_$__berth_p=\\$__berth_n"`
  return script(
    `__berth_left=`,
    eachRecorded(layout, script(checkAlive(), `[ -z "$__berth_alive" ] || { ${signal('TERM')}; ${remember}; __berth_left="$__berth_left $__berth_p"; }`)),
    `__berth_wait=0`,
    `while [ -n "$__berth_left" ] && [ "$__berth_wait" -lt ${Math.max(0, Math.floor(graceSeconds))} ]; do`,
    `  sleep 1; __berth_wait=$((__berth_wait + 1)); __berth_still=`,
    `  ${again('  ', `if [ -n "$__berth_alive" ]; then __berth_still="$__berth_still $__berth_p"; else printf '@stopped %s TERM %s\\n' "$__berth_p" "$__berth_n"; fi`)}`,
    `  __berth_left=$__berth_still`,
    `done`,
    again(
      '',
      `if [ -z "$__berth_alive" ]; then printf '@stopped %s TERM %s\\n' "$__berth_p" "$__berth_n"; elif ${signal('KILL')}; then printf '@stopped %s KILL %s\\n' "$__berth_p" "$__berth_n"; else printf '@stopped %s - %s\\n' "$__berth_p" "$__berth_n"; fi`,
    ),
    `:`,
  )
}
