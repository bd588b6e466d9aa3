/**
 * Commands that run the user's own code: hook entries, the release's `deploy/*`
 * executables, `berth run`, and the config's `build` steps. The user's `run` text is shell
 * by design and goes in as written; every value berth adds (directories, file names, the
 * `become` user, URLs) is quoted.
 */
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { script } from './script.js'

/** One of the release's own executables (`deploy/restart`), run from `dir`. */
export function runExecutable(dir: string, file: string): string {
  return `cd ${q(dir)} && ${shellJoin([`./${file}`])}`
}

/**
 * A user command run from `dir`: only if the `cd` worked, as `cd DIR && COMMAND` (so a
 * COMMAND of several lines or lists is conditional only up to its first separator, as it
 * always was: build steps are short commands).
 */
export function inDirectory(dir: string, command: string): string {
  return `cd ${q(dir)} && ${command}`
}

export interface HookScript {
  /** Where the hook runs. */
  cwd: string
  /** Create this directory first (a `before_lock` hook on a fresh host runs before anything has). */
  create?: string
  /** Run the hook as this user, through `sudo -n -E` (see `asUser`). */
  become?: string
  /** The hook itself: the user's `run` text or an `httpProbe`. */
  body: string
}

/** A hook entry: enter its directory (stopping if that fails), then run it. */
export function hookScript(hook: HookScript): string {
  const enter = hook.create === undefined ? `cd ${q(hook.cwd)}` : `mkdir -p ${q(hook.create)} && cd ${q(hook.cwd)}`
  return script(`${enter} || exit 1`, hook.become === undefined ? hook.body : asUser(hook.become, hook.body))
}

/**
 * Runs `body` as another user. sudo -E keeps the hook's environment (secrets travel there,
 * never in argv); -n fails at once instead of waiting for a password nobody can type.
 */
export function asUser(user: string, body: string): string {
  return `exec sudo -n -E -u ${q(user)} -- sh -c ${q(body)}`
}

/**
 * `berth run`: the command in the live release, or in deployTo when nothing is live yet, or
 * in the login directory when there is no deployTo either.
 */
export function inLiveRelease(deployTo: string, command: string): string {
  return script(`cd ${q(`${deployTo}/current`)} 2>/dev/null || cd ${q(deployTo)} 2>/dev/null || cd`, command)
}

/**
 * Polls a URL from the host until it answers 2xx or the deadline passes. Uses curl or
 * wget, whichever the host has (hosts are not required to have either until they use it).
 */
export function httpProbe(url: string, timeoutMs: number): string {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000))
  return script(
    `url=${q(url)}; deadline=$(( $(date +%s) + ${seconds} )); status=none`,
    `while :; do`,
    `  if command -v curl >/dev/null 2>&1; then status=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url") || status="no answer";`,
    `  elif command -v wget >/dev/null 2>&1; then if wget -q -T 5 -O /dev/null "$url"; then status=200; else status="no 2xx answer"; fi;`,
    `  else echo 'berth: the http check needs curl or wget on the host' >&2; exit 127; fi`,
    `  case "$status" in 2??) echo "$url answered $status"; exit 0;; esac`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "$url: $status after ${seconds}s" >&2; exit 1; fi`,
    `  sleep 1`,
    `done`,
  )
}
