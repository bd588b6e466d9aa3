/**
 * What a person gets for a command line berth cannot read: the nearest command or option
 * when a word is misspelt, and for `berth run demo ls -la` the `--` that `run` needs (its
 * command's own options would otherwise be taken for berth's). Also the `help [command]`
 * and `version` words, which are read as the `--help` and `--version` flags.
 */
import { closestMatch } from '../config/did-you-mean.js'
import { UsageError } from '../errors.js'
import { shellJoin } from '../transport/quote.js'
import { camelcase } from './raw-argv.js'

/** An option as cac declares it (`--lock-wait <duration>`). */
export interface DeclaredOption {
  rawName: string
}

/** `berth help deploy` → `berth deploy --help`; `berth version` → `berth --version`. */
export function readHelpAndVersion(argv: readonly string[], commands: readonly string[]): string[] {
  const [first, second, ...rest] = argv
  if (first === 'version' && second === undefined) return ['--version']
  if (first !== 'help') return [...argv]
  if (second === undefined || second.startsWith('-')) return ['--help', ...(second === undefined ? [] : [second]), ...rest]
  if (!commands.includes(second)) throw unknownCommand(second, commands)
  return [second, '--help', ...rest]
}

export function unknownCommand(word: string, commands: readonly string[]): UsageError {
  const match = closestMatch(word, commands)
  const hint = match === undefined ? 'see `berth --help`' : `did you mean \`berth ${match}\`? (see \`berth --help\`)`
  return new UsageError(`unknown command "${word}"`, { hint })
}

/**
 * cac's "Unknown option `--dryRun`" names the option camelCased; the message here names it
 * as typed, with the option meant or, for `run`, the command line with its `--`.
 */
export function unknownOption(message: string, argv: readonly string[], command: string | undefined, options: readonly DeclaredOption[]): UsageError | undefined {
  const named = /^Unknown option `(-{1,2})([^`]+)`$/.exec(message)
  if (named === null) return undefined
  const written = argv.map((word) => word.split('=')[0] ?? '').find((word) => word !== '--' && word.startsWith('-') && camelcase(word.replace(/^-+/, '')) === camelcase(named[2] ?? ''))
  const typed = written ?? `${named[1]}${named[2]}`
  const help = `see \`berth ${command === undefined ? '' : `${command} `}--help\``
  if (command === 'run') {
    const end = argv.indexOf('--')
    const before = end === -1 ? [...argv] : argv.slice(0, end)
    const start = before.indexOf('run')
    // The environment is the word after `run`; everything after it is the command meant.
    const environment = start === -1 ? undefined : before[start + 1]
    if (environment !== undefined && !environment.startsWith('-')) {
      const meant = [...before.slice(start + 2), ...(end === -1 ? [] : argv.slice(end + 1))]
      return new UsageError(`unknown option ${typed}`, { hint: `put the command after --: berth run ${shellJoin([environment])} -- ${shellJoin(meant)}` })
    }
  }
  const longNames = options.map((option) => /--([a-z][a-z-]*)/.exec(option.rawName)?.[1]).filter((name): name is string => name !== undefined)
  const match = typed.startsWith('--') ? closestMatch(typed.slice(2), longNames) : undefined
  return new UsageError(`unknown option ${typed}`, { hint: match === undefined ? help : `did you mean --${match}? (${help})` })
}

/** cac's help sections, made to read right: `--no-color` has no "(default: true)", lines end clean. */
export function tidyHelp<S extends { title?: string; body: string }>(sections: S[]): S[] {
  return sections.map((section) => ({
    ...section,
    body: section.body
      .split('\n')
      .map((line) => (/^\s+--no-/.test(line) ? line.replace(/\s*\(default: true\)/, '') : line).trimEnd())
      .join('\n'),
  }))
}
