/**
 * berth's error model: every failure the core can foresee is a `BerthError` with a
 * stable `code`, an optional `hint` (what to do next) and the process exit code the CLI
 * maps it to. The core throws these and never prints them; `ui/format-error.ts` renders them
 * and `errors-json.ts` turns them into plain JSON values.
 */

export interface ErrorContext {
  /** Host the failure happened on, when there is one. */
  host?: string
  /** Pipeline step (or command) the failure happened in. */
  step?: string
}

export abstract class BerthError extends Error {
  abstract readonly code: string
  /** Process exit code the CLI ends with for this error. */
  get exitCode(): number {
    return 1
  }
  readonly hint?: string
  readonly host?: string
  readonly step?: string

  constructor(message: string, options: ErrorContext & { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    if (options.hint !== undefined) this.hint = options.hint
    if (options.host !== undefined) this.host = options.host
    if (options.step !== undefined) this.step = options.step
  }
}

/** Bad flags or arguments on the command line. */
export class UsageError extends BerthError {
  readonly code = 'USAGE'
  override get exitCode(): number {
    return 2
  }
}

export interface ConfigIssue {
  /** Dotted key path, e.g. `hooks.restart[0].run`. Empty for whole-file problems. */
  path: string
  message: string
  file?: string
  line?: number
  col?: number
}

/** Invalid configuration: holds every issue found, not just the first. */
export class ConfigError extends BerthError {
  readonly code = 'CONFIG_INVALID'
  override get exitCode(): number {
    return 2
  }
  readonly issues: ConfigIssue[]

  constructor(issues: ConfigIssue[], options: { hint?: string } = {}) {
    super(issues.map(formatConfigIssue).join('\n'), options)
    this.issues = issues
  }
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.file === undefined ? '' : `${issue.file}${issue.line === undefined ? '' : `:${issue.line}`} `
  const path = issue.path === '' ? '' : `${issue.path}: `
  return `${where}${path}${issue.message}`
}

/** Could not connect, authenticate or verify a host, or the connection dropped. */
export class TransportError extends BerthError {
  readonly code = 'TRANSPORT'
}

/** A command on a host exited non-zero (or was killed, or timed out). */
export class RemoteCommandError extends BerthError {
  readonly code = 'REMOTE_COMMAND_FAILED'
  readonly command: string
  readonly commandExitCode: number | null
  readonly signal: string | null
  readonly outputTail: string[]
  readonly timedOut: boolean

  constructor(init: {
    host: string
    step?: string
    command: string
    exitCode: number | null
    signal: string | null
    outputTail: string[]
    timedOut?: boolean
    hint?: string
  }) {
    super(describeExit(init.command, init.exitCode, init.signal, init.timedOut ?? false), init)
    this.command = init.command
    this.commandExitCode = init.exitCode
    this.signal = init.signal
    this.outputTail = init.outputTail
    this.timedOut = init.timedOut ?? false
  }
}

function describeExit(command: string, code: number | null, signal: string | null, timedOut: boolean): string {
  const short = command.length > 200 ? `${command.slice(0, 200)}…` : command
  if (timedOut) return `\`${short}\` timed out`
  if (signal !== null) return `\`${short}\` was killed by ${signal}`
  const why = code === 127 ? ' (command not found)' : code === 126 ? ' (not executable)' : ''
  return `\`${short}\` exited with code ${code}${why}`
}

/** A hook failed; `cause` is the underlying `RemoteCommandError` or `TransportError`. */
export class HookError extends BerthError {
  readonly code = 'HOOK_FAILED'
  readonly hook: string
  constructor(hook: string, cause: BerthError, context: ErrorContext = {}) {
    super(`hook ${hook} failed: ${cause.message}`, { ...context, cause, hint: cause.hint })
    this.hook = hook
  }
}

export interface LockHolder {
  user: string
  /** Host name of the machine the holder ran on. */
  machine: string
  /** Stable id of that machine's berth; absent in locks taken by older versions. */
  machineId?: string
  pid: number
  since: string
  reason?: string
  command?: string
  token?: string
  /** Taken with `berth lock`: held until `berth unlock`, never judged stale or dead. */
  manual?: boolean
  /** The first host of the holder's run, which decides between runs locking at once (`pipeline/lock.ts`). */
  gate?: string
}

/** A hook the lock's run started that still runs on the host (README, "What a deploy does": lock). */
export interface LockHookProcess {
  /** The hook shell's own pid. */
  pid: number
  /** Its process group, when the host could tell (else the pid alone was checked). */
  pgid: number | null
  /** `migrate (hooks.migrate[0])`. */
  hook: string
}

/** Someone else holds the deploy lock on a host. */
export class LockHeldError extends BerthError {
  readonly code = 'LOCKED'
  override get exitCode(): number {
    return 3
  }
  readonly holder: LockHolder | null
  readonly stale: boolean
  /** Hooks of the holder's run still running on the host (its holder may be gone: the lock is held all the same). */
  readonly hooks: LockHookProcess[]
  constructor(init: { host: string; holder: LockHolder | null; stale: boolean; environment: string; hint?: string; hooks?: LockHookProcess[] }) {
    const who = init.holder
      ? `${init.holder.user}@${init.holder.machine} (pid ${init.holder.pid}) since ${init.holder.since}` +
        (init.holder.reason ? `: "${init.holder.reason}"` : '')
      : 'an unknown holder'
    const hooks = init.hooks ?? []
    const running = hooks.length === 0 ? '' : `; its hook ${hooks.map((h) => `${h.hook} (pid ${h.pid})`).join(', ')} still runs there`
    super(`${init.host} is locked by ${who}${init.stale ? ' (stale: no heartbeat)' : ''}${running}`, {
      host: init.host,
      step: 'lock',
      hint:
        init.hint ??
        (hooks.length > 0
          ? `wait for it to end (retry with --lock-wait 10m), or stop it and free the lock: berth unlock ${init.environment} --force`
          : init.stale
            ? `if that deploy is really gone: berth unlock ${init.environment} --force`
            : `wait for it, retry with --lock-wait 5m, or ask its holder`),
    })
    this.holder = init.holder
    this.stale = init.stale
    this.hooks = hooks
  }
}

/** A phase ended with at least one failed host; `errors` holds one error per failed host. */
export class HostsFailedError extends BerthError {
  readonly code = 'HOSTS_FAILED'
  readonly errors: BerthError[]
  constructor(step: string, errors: BerthError[], total: number) {
    super(`${errors.length}/${total} host${total === 1 ? '' : 's'} failed at step '${step}'`, { step })
    this.errors = errors
  }
  override get exitCode(): number {
    return this.errors.some((e) => e.exitCode === 3) ? 3 : 1
  }
}

/** The run was interrupted (Ctrl-C, SIGTERM); cleanup has already happened when this is thrown. */
export class InterruptedError extends BerthError {
  readonly code = 'INTERRUPTED'
  override get exitCode(): number {
    return 130
  }
}

/** A precondition on a host or in the repo that the user must fix (e.g. `current` is a directory). */
export class StateError extends BerthError {
  readonly code = 'STATE'
}

/** Anything unexpected: a bug in berth. */
export class BugError extends BerthError {
  readonly code = 'BUG'
  override get exitCode(): number {
    return 70
  }
}

export function toBerthError(error: unknown): BerthError {
  if (error instanceof BerthError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new BugError(message, { cause: error, hint: 'this is a bug in berth: please report it with the output of --verbose' })
}
