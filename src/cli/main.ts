/**
 * berth's command line: argv → flags → one lazily loaded command → exit code. The only
 * place that maps errors to exit codes and messages (README, "Commands": 0 ok, 1 failed
 * on a host, 2 bad usage or config, 3 locked, 128 + N after signal N, 130 for Ctrl-C).
 */
import { cac, type CAC } from 'cac'
import { readFileSync } from 'node:fs'
import { BerthError, HostsFailedError, UsageError, toBerthError } from '../errors.js'
import { formatError } from '../ui/format-error.js'
import { serializeError } from '../errors-json.js'
import { createRedactor } from '../ui/redact.js'
import { parseFlags, type Flags } from './flags.js'
import { processIO, signalExitCode } from './process-io.js'
import { readRawArgv, type OptionSpec } from './raw-argv.js'
import { wantsColor, type CliIO } from './session.js'
import { registerCommands } from './register.js'
import { readHelpAndVersion, tidyHelp, unknownCommand, unknownOption } from './usage-errors.js'
import { pasteCommand } from '../ui/paste-command.js'

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const code = await runCommand(argv, io)
  // However the run ended, a signal decides the exit code: the caller sent it and waits for that answer.
  const signal = io.stoppedBy?.()
  return signal === undefined ? code : signalExitCode(signal)
}

async function runCommand(typedArgv: string[], io: CliIO): Promise<number> {
  const cli = cac('berth')
  let argv = typedArgv
  // Until the flags are parsed, errors are shown by the booleans cac read (never numbers).
  let flags: Flags = {}
  let pending: Promise<number> | null = null
  registerCommands(cli, (load) => {
    const typed = readRawArgv(argv, optionSpecs(cli))
    const commandFlags = parseFlags(cli.options, typed.values)
    flags = commandFlags
    pending = load().then((command) => command.run(typed.positionals.slice(1), commandFlags, io))
  })
  cli.command('help [command]', 'show the help of berth or of one command')
  cli.command('version', 'show berth\'s version')
  cli.help(tidyHelp)
  // `-v` is --verbose (README, "Commands"); cac's default `-v, --version` would swallow it.
  cli.version(version(), '-V, --version')
  const commands = cli.commands.map((command) => command.name)
  try {
    argv = readHelpAndVersion(argv, commands)
    const parsed = cli.parse(['node', 'berth', ...argv], { run: false })
    flags = { json: parsed.options.json === true, verbose: parsed.options.verbose === true, ...(parsed.options.color === false ? { color: false } : {}) }
    if (parsed.options.help || parsed.options.version) return 0
    if (!cli.matchedCommand) {
      if (parsed.args.length === 0) {
        cli.outputHelp()
        return 2
      }
      throw unknownCommand(String(parsed.args[0]), commands)
    }
    await cli.runMatchedCommand()
    return await (pending ?? Promise.resolve(0))
  } catch (caught) {
    const error = isCacError(caught) ? usageError(caught, argv, cli) : toBerthError(caught)
    reportError(error, flags, io)
    return error.exitCode
  }
}

/** The options of the matched command and the global ones, as cac declared them. */
function optionSpecs(cli: CAC): OptionSpec[] {
  return [...cli.globalCommand.options, ...(cli.matchedCommand?.options ?? [])].map((option) => ({ names: option.names, takesValue: option.required !== undefined }))
}

/** cac's own message, or one naming the option as typed with what was meant. */
function usageError(caught: Error, argv: readonly string[], cli: CAC): UsageError {
  const command = cli.matchedCommand?.name
  const options = [...cli.globalCommand.options, ...(cli.matchedCommand?.options ?? [])]
  return unknownOption(caught.message, argv, command, options) ?? new UsageError(caught.message, { hint: `see \`berth ${command === undefined ? '' : `${command} `}--help\`` })
}

function isCacError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'CACError'
}

function reportError(error: BerthError, flags: Flags, io: CliIO): void {
  const redact = createRedactor(io.secretValues)
  if (flags.json) {
    io.stdout(`${redact(JSON.stringify({ kind: 'error', error: serializeError(error) }))}\n`)
    return
  }
  // The summary already showed each failed host in full: one line says how it ended.
  const shown = io.summaryShown === true && error instanceof HostsFailedError && flags.verbose !== true
  const text = shown ? `✗ ${error.message}` : formatError(error, { color: wantsColor(flags, io), verbose: flags.verbose === true, redact, version: version(), paste: pasteCommand(flags.config) })
  io.stderr(`${redact(text)}\n`)
}
