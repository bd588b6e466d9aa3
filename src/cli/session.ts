/**
 * What every CLI command shares: the global flags, the process's streams, and opening an
 * environment (config loaded and resolved, reporter chosen, Ctrl-C wired to the core's
 * AbortSignal). Commands stay thin: parse flags, call the core, render the result.
 */
import { isAbsolute, relative } from 'node:path'
import type { ResolvedConfig } from '../config/types.js'
import { InterruptedError, formatConfigIssue } from '../errors.js'
import type { RunOptions } from '../pipeline/context.js'
import type { Notifier } from '../notify/notifier.js'
import type { ReporterHandle } from '../ui/types.js'
import { createRedactor } from '../ui/redact.js'
import { createHookLog } from './hook-log.js'
import type { Flags } from './flags.js'

export interface CliIO {
  stdout: (text: string) => void
  stderr: (text: string) => void
  isTTY: boolean
  env: NodeJS.ProcessEnv
  cwd: string
  /** Aborted on the first SIGINT, SIGTERM or SIGHUP. */
  signal: AbortSignal
  /** The signal that aborted `signal`, if one did: the process then exits with 128 + its number. */
  stoppedBy?: () => NodeJS.Signals | undefined
  /** Secret values of the environment opened, so the final error message masks them too. */
  secretValues: string[]
  /** Set once a per-host summary was shown: the final error need not repeat it. */
  summaryShown?: boolean
}

export interface Session {
  config: ResolvedConfig
  reporter: ReporterHandle
  /** The run's webhook calls: settled before the reporter finishes. */
  notifier?: Notifier
  /** Options every core call takes: reporter, signal, concurrency, host selection. */
  run: RunOptions
  /** The environment a release is promoted from (`OpenOptions.from`), resolved from the same file. */
  from?: ResolvedConfig
}

export function wantsColor(flags: Pick<Flags, 'color' | 'json'>, io: CliIO): boolean {
  return flags.color !== false && io.env.NO_COLOR === undefined && io.isTTY && !flags.json
}

/**
 * `read`: the command changes nothing and runs no hook (status, releases, history, check,
 * config, a plan), so it runs without the deploy's secrets; an unset `${VAR}` in an `env`
 * value shows as `<unset: VAR>`. `change` needs every variable the config names.
 */
export type Access = 'read' | 'change'

export interface OpenOptions {
  /** Keep every hook's output in `.berth/log/<release>.log` beside the config (a deploy). */
  hasHookLog?: boolean
  /** The command prints data on stdout (`config`): the config's warnings go to stderr instead. */
  isStdoutData?: boolean
  /** Also resolve this environment (`promote FROM TO`: FROM is only read, its hooks never run). */
  from?: string
}

export async function openEnvironment(environment: string, flags: Flags, io: CliIO, access: Access = 'change', open: OpenOptions = {}): Promise<Session> {
  // Loaded here, not at the top: `berth --help`, `--version` and usage errors need neither.
  const [{ loadConfig, resolveEnvironment }, { createReporter }] = await Promise.all([import('../config/index.js'), import('../ui/select.js')])
  const loaded = await loadConfig({ cwd: io.cwd, signal: io.signal, ...(flags.config === undefined ? {} : { configPath: flags.config }) })
  const config = resolveEnvironment(loaded, environment, { processEnv: io.env, allowUnsetValues: access === 'read' })
  const from = open.from === undefined ? undefined : resolveEnvironment(loaded, open.from, { processEnv: io.env, allowUnsetValues: true })
  // Loading a config can take a moment (an inventory command, a large file): a signal that
  // came meanwhile stops here, before any host is touched.
  if (io.signal.aborted) throw new InterruptedError('stopped while loading the config: nothing was changed on any host')
  io.secretValues.push(...config.secretValues, ...(from?.secretValues ?? []))
  const log = open.hasHookLog === true ? createHookLog(config.rootDir, createRedactor(config.secretValues)) : undefined
  const logPath = (): string | undefined => {
    const file = log?.path()
    if (file === undefined) return undefined
    const shown = relative(io.cwd, file)
    return shown.startsWith('..') || isAbsolute(shown) ? file : shown
  }
  const reporter = await createReporter({
    json: flags.json === true,
    tty: io.isTTY,
    quiet: flags.quiet === true,
    verbose: flags.verbose === true,
    color: wantsColor(flags, io),
    secretValues: config.secretValues,
    write: io.stdout,
    ...(flags.config === undefined ? {} : { configFlag: flags.config }),
    ...(log === undefined ? {} : { hookLog: logPath }),
  })
  const shown: RunOptions['reporter'] = (event) => {
    if (event.kind === 'run:summary') io.summaryShown = true
    log?.record(event)
    reporter.report(event)
  }
  // Only a command that changes hosts has anything to notify about (and all its secrets).
  const notifier = access === 'change' && config.notify.length > 0 ? (await import('../notify/notifier.js')).createNotifier(config, { reporter: shown }) : undefined
  const report = notifier?.report ?? shown
  for (const warning of config.warnings ?? []) {
    if (open.isStdoutData === true && flags.json !== true) io.stderr(`⚠ ${formatConfigIssue(warning)}\n`)
    else report({ kind: 'log', level: 'warn', message: formatConfigIssue(warning) })
  }
  const run: RunOptions = { reporter: report, signal: io.signal }
  if (flags.concurrency !== undefined) run.concurrency = flags.concurrency
  if (flags.roles !== undefined) run.roles = flags.roles
  if (flags.hosts !== undefined) run.hosts = flags.hosts
  const finish = (): void => {
    log?.close()
    reporter.finish()
  }
  return { config, reporter: { ...reporter, finish }, run, ...(notifier === undefined ? {} : { notifier }), ...(from === undefined ? {} : { from }) }
}

/** Runs a command body with the session's webhook calls settled and its reporter finished, however it ends. */
export async function withSession<T>(session: Session, body: () => Promise<T>): Promise<T> {
  let error: unknown = null
  try {
    return await body()
  } catch (caught) {
    error = caught
    throw caught
  } finally {
    await session.notifier?.settle(error === null ? null : { message: error instanceof Error ? error.message : String(error) })
    session.reporter.finish()
  }
}

/** Prints a command's result: a JSON line under --json, text otherwise. */
export function printResult(flags: Flags, io: CliIO, command: string, data: unknown, text: () => string): void {
  // Results quote config values (a plan carries each hook's env), so secrets are masked here too.
  const redact = createRedactor(io.secretValues)
  if (flags.json) io.stdout(`${JSON.stringify({ kind: 'result', command, data }, (_key, value: unknown) => (typeof value === 'string' ? redact(value) : value))}\n`)
  else io.stdout(redact(text()))
}
