/**
 * The one seam through which berth touches a host. `local` runs child processes on this
 * machine; `ssh` runs them through OpenSSH. Everything a deploy does on a host is a shell
 * command string built in `src/remote/` (quoted by `transport/quote.ts`), plus an
 * optional stdin stream (how tar archives are uploaded).
 */
import type { Readable } from 'node:stream'

export type OutputStream = 'stdout' | 'stderr'

export interface ExecOptions {
  /**
   * Variables for the command's environment. They never appear in any argv (local or
   * remote), so secret values can travel here.
   */
  env?: Record<string, string>
  /** Data for the command's stdin (e.g. a tar stream). Without it, stdin is empty. */
  stdin?: Readable | Buffer | string
  /** Kill the command (and its process group) after this many milliseconds. */
  timeoutMs?: number
  /** Abort the command (Ctrl-C, SIGTERM). */
  signal?: AbortSignal
  /** Resolve with the result on a non-zero exit instead of rejecting. @default false */
  allowFailure?: boolean
  /** Called for each complete line of output, as it arrives. */
  onLine?: (stream: OutputStream, line: string) => void
  /**
   * A short command of berth's own (no output shown, nothing a user would stop): a transport
   * may run it on a shell it keeps open instead of a process of its own. An abort signal
   * does not stop it; a timeout ends the whole connection. With `stdin`, the caller says
   * the input is no secret and the host has `base64` (the ssh transport sends input of up
   * to `INLINE_INPUT_LIMIT` bytes that way, and a larger one as usual).
   */
  brief?: boolean
  /** Pipeline step, for error messages. */
  step?: string
  /**
   * Every pipeline step whose work this one command carries, when the plan joined several
   * into one round trip (`step` is the first of them).
   */
  steps?: readonly string[]
  /**
   * What to show for this command in errors and events, when the command string itself
   * is an internal script (e.g. the hook's own `run` text).
   */
  display?: string
}

export interface ExecResult {
  exitCode: number | null
  signal: string | null
  stdout: string
  stderr: string
  timedOut: boolean
  durationMs: number
}

export interface Transport {
  /** The host's name as the user wrote it in the config or inventory. */
  readonly host: string
  readonly kind: 'local' | 'ssh'
  /**
   * Opens the connection ahead of the first command, so a run can reach every host in
   * parallel and fail fast on one it cannot reach or trust. Optional: `local` has none.
   */
  connect?(options?: { signal?: AbortSignal }): Promise<void>
  /** Runs `command` with `sh -c` on the host. Rejects with `RemoteCommandError` on failure. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>
  /** Releases connections; safe to call twice. */
  close(): Promise<void>
}
