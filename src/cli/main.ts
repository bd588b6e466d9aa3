/**
 * berth's command line: argv → flags → one lazily loaded command → exit code. The only
 * place that maps errors to exit codes and messages (README, "Commands": 0 ok, 1 failed on a host,
 * 2 bad usage or config, 3 locked, 130 interrupted).
 */
import { cac } from 'cac'
import { readFileSync } from 'node:fs'
import { BerthError, HostsFailedError, UsageError, toBerthError } from '../errors.js'
import { formatError } from '../ui/format-error.js'
import { serializeError } from '../errors-json.js'
import { createRedactor } from '../ui/redact.js'
import { wantsColor, type CliIO, type GlobalFlags } from './session.js'
import { registerCommands } from './register.js'

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const cli = cac('berth')
  let flags: GlobalFlags = {}
  let pending: Promise<number> | null = null
  registerCommands(cli, io, (run) => (pending = run))
  cli.help()
  // `-v` is --verbose (README, "Commands"); cac's default `-v, --version` would swallow it.
  cli.version(version(), '-V, --version')
  try {
    const parsed = cli.parse(['node', 'berth', ...argv], { run: false })
    flags = parsed.options as GlobalFlags
    if (parsed.options.help || parsed.options.version) return 0
    if (!cli.matchedCommand) {
      if (parsed.args.length === 0) {
        cli.outputHelp()
        return 2
      }
      throw new UsageError(`unknown command "${parsed.args[0]}"`, { hint: 'see `berth --help`' })
    }
    await cli.runMatchedCommand()
    return await (pending ?? Promise.resolve(0))
  } catch (caught) {
    const error = isCacError(caught) ? new UsageError(caught.message, { hint: 'see `berth --help`' }) : toBerthError(caught)
    reportError(error, flags, io)
    return error.exitCode
  }
}

function isCacError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'CACError'
}

function reportError(error: BerthError, flags: GlobalFlags, io: CliIO): void {
  const redact = createRedactor(io.secretValues)
  if (flags.json) {
    io.stdout(`${redact(JSON.stringify({ kind: 'error', error: serializeError(error) }))}\n`)
    return
  }
  // The summary already showed each failed host in full: one line says how it ended.
  const shown = io.summaryShown === true && error instanceof HostsFailedError && flags.verbose !== true
  const text = shown ? `✗ ${error.message}` : formatError(error, { color: wantsColor(flags, io), verbose: flags.verbose === true, redact, version: version() })
  io.stderr(`${redact(text)}\n`)
}

/** The real process: streams, environment, and Ctrl-C/SIGTERM turned into an AbortSignal. */
function processIO(): CliIO {
  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130) // a second Ctrl-C: the user insists
    process.stderr.write(`\nberth: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: stopping and releasing the lock…\n`)
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    secretValues: [],
  }
}
