/**
 * Renders a `BerthError` for people: the CLI's top-level handler prints `formatError`,
 * and the run summary reuses `formatErrorDetails` for each failed host. Each class shows
 * what its reader needs next: the command and its output for a failed command, every
 * issue for a bad config, the holder for a lock, the stack for a bug.
 */
import {
  BerthError,
  BugError,
  ConfigError,
  HookError,
  HostsFailedError,
  LockHeldError,
  RemoteCommandError,
  TransportError,
  formatConfigIssue,
} from '../errors.js'
import { SYMBOLS, createPalette, type Palette } from './colors.js'
import { explainExit } from './exit-code.js'
import type { PasteCommand } from './paste-command.js'
import type { Redact } from './redact.js'

export interface FormatErrorOptions {
  color: boolean
  /** Adds error codes, the full output tail and `cause` chains. */
  verbose: boolean
  redact: Redact
  /** berth's version, printed with bugs so reports say what ran. */
  version?: string
  /** Makes the berth commands a hint names run as pasted (the `-c` that was typed). */
  paste?: PasteCommand
}

/** Output lines shown for a failed command unless verbose (the error may hold more). */
export const OUTPUT_TAIL_LINES = 20

interface Context {
  p: Palette
  verbose: boolean
  redact: Redact
  version?: string
  paste?: PasteCommand
}

/** The whole message for the top-level handler: headline, details, hint, causes. */
export function formatError(error: BerthError, options: FormatErrorOptions): string {
  const ctx = toContext(options)
  const lines = [ctx.p.fail(`${SYMBOLS.fail} ${headline(error, ctx, true)}`), ...indent(body(error, ctx)), ...hintLines(error, ctx)]
  if (ctx.verbose) lines.push(...causeChain(error, ctx))
  return options.redact(lines.join('\n'))
}

/**
 * Everything except where it happened, as lines: what failed, the command, the exit code,
 * the output tail and the hint. For a per-host block whose header already names the host.
 */
export function formatErrorDetails(error: BerthError, options: FormatErrorOptions): string[] {
  return detailLines(error, toContext(options)).map(options.redact)
}

function detailLines(error: BerthError, ctx: Context): string[] {
  // For a failed command, the exit line already says what happened.
  const first = error instanceof RemoteCommandError ? [] : [headline(error, ctx, false)]
  const lines = [...first, ...body(error, ctx), ...hintLines(error, ctx)]
  if (ctx.verbose) lines.push(...causeChain(error, ctx))
  return lines
}

function toContext(options: FormatErrorOptions): Context {
  const ctx: Context = { p: createPalette(options.color), verbose: options.verbose, redact: options.redact }
  if (options.version !== undefined) ctx.version = options.version
  if (options.paste !== undefined) ctx.paste = options.paste
  return ctx
}

function headline(error: BerthError, ctx: Context, withLocation: boolean): string {
  const what = ctx.redact(summarize(error))
  const where = withLocation ? location(error, what) : ''
  const code = ctx.verbose ? ctx.p.dim(` [${error.code}]`) : ''
  return `${what}${where}${code}`
}

function summarize(error: BerthError): string {
  if (error instanceof RemoteCommandError) {
    if (error.timedOut) return 'command timed out'
    if (error.signal !== null) return `command killed by ${error.signal}`
    return 'command failed'
  }
  if (error instanceof HookError) return `hook ${error.hook} failed`
  if (error instanceof ConfigError) return `invalid configuration (${plural(error.issues.length, 'problem')})`
  if (error instanceof BugError) return `internal error: ${error.message}`
  return error.message
}

/** ` on web1 (step build)`, leaving out whatever the message already says. */
function location(error: BerthError, what: string): string {
  const host = error.host !== undefined && !mentions(what, error.host) ? ` on ${error.host}` : ''
  // A lock error's step is always `lock`, which its message already makes plain.
  const hasStep = error.step !== undefined && !mentions(what, error.step) && !(error instanceof LockHeldError)
  return `${host}${hasStep ? ` (step ${error.step})` : ''}`
}

/** Whole-word match, so step `switch` is not found inside hook `after_switch`. */
function mentions(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(text)
}

function body(error: BerthError, ctx: Context): string[] {
  if (error instanceof RemoteCommandError) return commandLines(error, ctx)
  if (error instanceof HookError) return hookLines(error, ctx)
  if (error instanceof ConfigError) return error.issues.map((issue) => ctx.redact(formatConfigIssue(issue)))
  if (error instanceof LockHeldError) return lockLines(error, ctx)
  if (error instanceof HostsFailedError) return hostsFailedLines(error, ctx)
  if (error instanceof TransportError) return transportLines(error, ctx)
  if (error instanceof BugError) return bugLines(error, ctx)
  return []
}

function commandLines(error: RemoteCommandError, ctx: Context): string[] {
  const lines = [ctx.p.command(`$ ${ctx.redact(error.command)}`), explainExit(error.commandExitCode, error.signal, error.timedOut)]
  const tail = ctx.verbose ? error.outputTail : error.outputTail.slice(-OUTPUT_TAIL_LINES)
  if (tail.length === 0) return [...lines, ctx.p.dim('(no output)')]
  lines.push(ctx.p.dim(`last ${plural(tail.length, 'line')} of output:`))
  for (const line of tail) lines.push(`${ctx.p.dim(SYMBOLS.outputGutter)} ${ctx.redact(line)}`)
  return lines
}

function hookLines(error: HookError, ctx: Context): string[] {
  const cause = error.cause
  if (!(cause instanceof BerthError)) return []
  // The hook's hint repeats its cause's; print it once, from formatError's hint line.
  if (cause instanceof RemoteCommandError) return commandLines(cause, ctx)
  return [ctx.redact(cause.message), ...body(cause, ctx)]
}

function lockLines(error: LockHeldError, ctx: Context): string[] {
  const holder = error.holder
  if (holder === null) return []
  const lines: string[] = []
  if (holder.command !== undefined) lines.push(`holder is running: ${ctx.redact(holder.command)}`)
  if (holder.manual === true) lines.push('taken by hand with `berth lock`: it stays until `berth unlock`')
  return lines
}

function hostsFailedLines(error: HostsFailedError, ctx: Context): string[] {
  const lines: string[] = []
  for (const failure of error.errors) {
    const host = failure.host ?? 'unknown host'
    const [first = '', ...rest] = detailLines(failure, ctx)
    lines.push(`${ctx.p.host(host)}: ${first}`, ...indent(rest))
  }
  return lines
}

function transportLines(error: TransportError, ctx: Context): string[] {
  // The cause (ssh's own words) is the most useful line here, so it shows without --verbose.
  if (ctx.verbose || error.cause === undefined) return []
  return [ctx.redact(describeCause(error.cause))]
}

function bugLines(error: BugError, ctx: Context): string[] {
  const origin = error.cause instanceof Error ? error.cause : error
  const stack = (origin.stack ?? '').split('\n').slice(1).map((line) => ctx.p.dim(ctx.redact(line.trim())))
  const versions = `berth ${ctx.version ?? '(unknown version)'}, node ${process.version}, ${process.platform}-${process.arch}`
  const report = error.hint === undefined ? ['this is a bug in berth: please report it with the output of --verbose'] : []
  return [...stack, versions, ...report]
}

function hintLines(error: BerthError, ctx: Context): string[] {
  if (error.hint === undefined || error.hint === '') return []
  const hint = ctx.paste === undefined ? error.hint : ctx.paste(error.hint)
  const [first = '', ...rest] = ctx.redact(hint).split('\n')
  return [ctx.p.warn(`hint: ${first}`), ...rest.map((line) => `      ${line}`)]
}

/** `caused by:` lines down the chain; a cycle or a very deep chain stops after 10. */
function causeChain(error: Error, ctx: Context): string[] {
  const lines: string[] = []
  let cause: unknown = error.cause
  for (let depth = 0; cause !== undefined && depth < 10; depth++) {
    lines.push(ctx.p.dim(`caused by: ${ctx.redact(describeCause(cause))}`))
    if (cause instanceof Error && !(cause instanceof BerthError) && cause.stack !== undefined) {
      lines.push(...cause.stack.split('\n').slice(1).map((line) => ctx.p.dim(`  ${ctx.redact(line.trim())}`)))
    }
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return lines
}

function describeCause(cause: unknown): string {
  if (cause instanceof BerthError) return `${cause.message} [${cause.code}]`
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`
  return String(cause)
}

function indent(lines: string[]): string[] {
  return lines.map((line) => (line === '' ? line : `  ${line}`))
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
