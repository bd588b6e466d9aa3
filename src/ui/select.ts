/**
 * Picks the reporter for a CLI run. The CLI decides the facts (is stdout a terminal, is
 * colour wanted) and this decides what they mean: `--json` wins, then a live view on a
 * terminal, otherwise plain lines. `--quiet` on a terminal uses plain lines too: a live
 * view is progress, which quiet asks not to see.
 */
import { pasteCommand } from './paste-command.js'
import { createRedactor } from './redact.js'
import type { ReporterHandle } from './types.js'

export interface ReporterChoice {
  /** `--json`: newline-delimited JSON events. */
  json: boolean
  /** Whether the output stream is a terminal. */
  tty: boolean
  quiet: boolean
  verbose: boolean
  color: boolean
  /** Values to mask wherever they would be printed (secrets from the config's environment). */
  secretValues: string[]
  write: (text: string) => void
  /** The `-c` that was typed, for hints to carry. */
  configFlag?: string
  /** Where this run's hook output is kept, for the summary to say. */
  hookLog?: () => string | undefined
  /** Terminal size, for the live view. @default 80×24 */
  columns?: () => number | undefined
  rows?: () => number | undefined
}

export async function createReporter(choice: ReporterChoice): Promise<ReporterHandle> {
  const redact = createRedactor(choice.secretValues)
  const options = { write: choice.write, redact, color: choice.color, verbose: choice.verbose, quiet: choice.quiet, paste: pasteCommand(choice.configFlag), ...(choice.hookLog === undefined ? {} : { hookLog: choice.hookLog }) }
  // Each reporter is loaded only when chosen: the live view pulls in more than plain lines need.
  if (choice.json) return (await import('./json.js')).createJsonReporter({ ...options, color: false })
  if (choice.tty && !choice.quiet) return (await import('./tty.js')).createTtyReporter({ ...options, columns: choice.columns, rows: choice.rows })
  return (await import('./plain.js')).createPlainReporter(options)
}
