/**
 * berth's hints name commands to paste (`berth releases demo`, `berth unlock demo --force`).
 * Run with `-c FILE`, a pasted hint without it would look for `berth.yml` and find another
 * project's config, or none: every hint shown carries the `-c` that was typed.
 */
import { shellQuote } from '../transport/quote.js'

/** Rewrites the berth commands in a hint so they run as pasted. */
export type PasteCommand = (text: string) => string

/** The commands a hint can name; a word after `berth` that is none of these is prose. */
const COMMANDS = ['init', 'check', 'setup', 'deploy', 'promote', 'rollback', 'releases', 'status', 'history', 'run', 'lock', 'unlock', 'config', 'cache']

/**
 * Only `berth COMMAND ARG`: "taken with `berth lock`" explains, it is not a command to paste,
 * and stays as written.
 */
const PASTEABLE = new RegExp(`\\bberth (?=(?:${COMMANDS.join('|')}) [^\\s\`])`, 'g')

export function pasteCommand(configFlag: string | undefined): PasteCommand {
  if (configFlag === undefined) return (text) => text
  const prefix = `berth -c ${shellQuote(configFlag)} `
  return (text) => text.replace(PASTEABLE, () => prefix)
}
