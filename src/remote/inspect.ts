/**
 * One round trip that reads everything berth needs to know about a host: where `current`
 * points, which releases exist, their records, the lock, and the last history line. The
 * script prints `@key value` lines; `parseHostState` (`release/host-state.ts`) turns them
 * back into data.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { listLockHooks } from './lock-hooks.js'
import { script } from './script.js'

export interface InspectOptions {
  /** Also hash the live release's file list (for incremental uploads). */
  withFiles?: boolean
  /** Also list each release's `deploy/rollback*` executables. */
  withRollbackHooks?: boolean
  /** Also read the last history line (what `status` shows as the last deploy). */
  withHistory?: boolean
}

/**
 * Prints the host's state as `@key value` lines (`@absent` alone when deployTo is missing);
 * always exits 0. Reads `$__berth_now` when a `takeLock` before it in the same script set it.
 */
export function inspectHost(layout: Layout, options: InspectOptions = {}): string {
  const lock = layout.lock
  return script(
    `printf '@now %s\\n' "\${__berth_now:-$(date +%s)}"`,
    `if [ ! -d ${q(layout.root)} ]; then echo '@absent'; exit 0; fi`,
    // `[ -e ]` follows the link: false when the release it names is gone.
    // Read once (a process): the live file list below needs it too.
    `__berth_cur=; if [ -L ${q(layout.current)} ]; then __berth_cur=$(readlink ${q(layout.current)}); printf '@current %s\\n' "$__berth_cur"; [ -e ${q(layout.current)} ] || echo '@current-dangling'; elif [ -e ${q(layout.current)} ]; then echo '@current-is-directory'; fi`,
    // Shell builtins only in these loops: a process per release would cost more than the rest.
    // REVISION is the last file a release gets: without it the release is not complete.
    // A Capistrano release (a name without berth's `T`) has no record: its REVISION says what it runs.
    `for d in ${q(layout.releases)}/*/; do [ -d "$d" ] && d=\${d%/} && printf '@release %s\\n' "\${d##*/}" && [ -f "$d/REVISION" ] && printf '@revision-file %s\\n' "\${d##*/}" && case \${d##*/} in *T*) ;; *) r=; { IFS= read -r r || :; } < "$d/REVISION"; printf '@revision %s %s\\n' "\${d##*/}" "$r";; esac; done`,
    // Each record with its file's name, so one that cannot be read is still known by its release.
    `for f in ${q(layout.manifests)}/*.json; do [ -f "$f" ] || continue; r=; { IFS= read -r r || :; } < "$f"; n=\${f##*/}; printf '@record %s %s\\n' "\${n%.json}" "$r"; done`,
    // `read` is a shell builtin: no process for these one-line files.
    `if [ -d ${q(lock)} ]; then __berth_l=; __berth_h=; { IFS= read -r __berth_l < ${q(posix.join(lock, 'info.json'))}; } 2>/dev/null; { IFS= read -r __berth_h < ${q(posix.join(lock, 'heartbeat'))}; } 2>/dev/null; printf '@lock %s\\n@heartbeat %s\\n' "$__berth_l" "$__berth_h"`,
    // The hooks its run started that still run on this host (a lock just taken has none).
    listLockHooks(layout),
    `fi`,
    ...(options.withHistory ? [`[ -f ${q(layout.history)} ] && printf '@history %s\\n' "$(tail -n 1 ${q(layout.history)})"`] : []),
    ...(options.withFiles ? [listCurrentFiles(layout), "command -v gzip >/dev/null 2>&1 && echo '@gzip'; command -v base64 >/dev/null 2>&1 && echo '@base64'"] : []),
    ...(options.withRollbackHooks
      ? [`for f in ${q(layout.releases)}/*/deploy/rollback ${q(layout.releases)}/*/deploy/rollback.*; do [ -f "$f" ] && [ -x "$f" ] && printf '@rollback-hook %s\\n' "\${f#${q(layout.releases)}/}"; done`]
      : []),
    'exit 0',
  )
}

/**
 * The sha256 of the live release's file list (what the next upload diffs against): the
 * deploying machine usually has that list already, and reads the whole of it from the host
 * (`readLiveFiles`) only when it has not.
 */
function listCurrentFiles(layout: Layout): string {
  return script(
    // `$__berth_cur`: where `current` points, read by `inspectHost` before this.
    `live=\${__berth_cur##*/}`,
    `if [ -n "$live" ] && [ -f ${q(layout.manifests)}/"$live".files ] && [ -d ${q(layout.releases)}/"$live" ]; then echo '@files'; set -- $(sha256sum < ${q(layout.manifests)}/"$live".files) && printf '@files-sum %s\\n' "$1"; fi`,
    // Files of the live release changed on the host since it was delivered (a missing file is
    // never newer, and the symlinks the link step made are not changes). The list is read by
    // one `cat` into a loop of builtins: `read` takes a file one byte per system call, which
    // made this loop most of the round trip's time on the host (40 ms for 3,000 paths, 10 with
    // `cat`). No path holds a newline (`manifest.ts`); globbing is off for the split.
    `if [ -n "$live" ] && [ -f ${q(layout.manifests)}/"$live".paths ]; then ( __berth_m=${q(layout.manifests)}/"$live".paths; __berth_r=${q(layout.releases)}/"$live"; set -f; IFS='`,
    `'; for f in $(cat "$__berth_m"); do [ "$__berth_r/$f" -nt "$__berth_m" ] && [ ! -L "$__berth_r/$f" ] && printf '@modified %s\\n' "$f"; done; exit 0 ); fi`,
  )
}

/** The whole file list of release `id`, or nothing when it has none. */
export function readLiveFiles(layout: Layout, id: string): string {
  return `if [ -d ${q(layout.release(id))} ] && [ -f ${q(layout.files(id))} ]; then cat ${q(layout.files(id))}; fi`
}

