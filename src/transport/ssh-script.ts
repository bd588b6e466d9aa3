/**
 * What the remote side of an ssh exec runs. Secret values must never reach an argv (on
 * either machine, `ps` shows argv to every user), so environment variables travel on
 * stdin and are exported by the remote shell itself:
 *
 * - Without input data, ssh runs `sh -s` and stdin carries one compound script: the
 *   exports, then the command as `sh -c <command>` (exactly what the local transport
 *   runs), its stdin from /dev/null so a command that reads stdin cannot eat the script.
 *   Our end of stdin stays open while the command runs; closing it (on timeout or abort)
 *   makes a watchdog kill the remote process group, because sshd sends no signal to a
 *   command when its channel closes without a tty. (`kill 0` is safe there: sshd makes
 *   every session its own process group, holding only this command's processes.)
 * - With input data (tar uploads), stdin is the data: the exports come first as one line
 *   that a `read` consumes (a pipe is read byte by byte by `read`, so nothing past the
 *   line is taken), and the command reads the rest. There is no watchdog: end of input is
 *   a normal event here, and the command sees a truncated stream if we stop early.
 */
import { BugError } from '../errors.js'
import { isShellVariableName, shellQuote } from './quote.js'

/** The remote command for a stdin-carried script; the login shell runs it with `-c`. */
export const SCRIPT_COMMAND = 'sh -s'

/**
 * `export` statements for `env`, on a single line: a value's newlines are spliced back
 * in from a variable, since the input-data mode reads exactly one line.
 */
export function buildExports(env: Record<string, string> = {}): string {
  const entries = Object.entries(env)
  for (const [name] of entries) {
    if (!isShellVariableName(name)) throw new BugError(`invalid environment variable name: ${JSON.stringify(name)}`)
  }
  if (entries.length === 0) return ':'
  const needsNewline = entries.some(([, value]) => value.includes('\n'))
  const exports = entries.map(([name, value]) => `export ${name}=${value.split('\n').map(shellQuote).join('"$__berth_nl"')}`)
  // `$(...)` strips trailing newlines, hence the `x` that is cut off again.
  const prelude = needsNewline ? ["__berth_nl=$(printf '\\nx')", '__berth_nl=${__berth_nl%x}'] : []
  return [...prelude, ...exports, ...(needsNewline ? ['unset __berth_nl'] : [])].join('; ')
}

/**
 * The script fed to `sh -s`. One `{ ... }` compound, so the shell has read all of it
 * before anything runs, and ends with `exit`, so it never waits for more stdin.
 */
export function buildRemoteScript(command: string, env?: Record<string, string>): string {
  return [
    '{',
    buildExports(env),
    'exec 3<&0',
    // A background job's stdin is /dev/null unless redirected explicitly: hence fd 3.
    '{ while IFS= read -r __berth_line; do :; done; kill -TERM 0; } <&3 >/dev/null 2>&1 &',
    '__berth_watchdog=$!',
    `sh -c ${shellQuote(command)} </dev/null 3<&-`,
    '__berth_status=$?',
    'kill "$__berth_watchdog" 2>/dev/null',
    'exit "$__berth_status"',
    '}',
    '',
  ].join('\n')
}

/** The remote command when stdin carries data: read the export line, then run `command`. */
export function buildInputCommand(command: string): string {
  const boot = `IFS= read -r __berth_env || exit 97; eval "$__berth_env"; unset __berth_env; exec sh -c ${shellQuote(command)}`
  return `sh -c ${shellQuote(boot)}`
}

/** The first line of stdin in input-data mode. */
export function buildInputHeader(env?: Record<string, string>): string {
  return `${buildExports(env)}\n`
}
