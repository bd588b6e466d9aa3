/**
 * The end-of-run report (README, "What a deploy does"), shared by the live and plain
 * reporters: one row per host (live release, result), the sentence saying whether anything
 * needs a person, then for each failed host the step, command, exit code and last output
 * lines.
 */
import type { BerthEvent, HostOutcome } from '../events.js'
import { NOTHING_DESTRUCTIVE } from '../attention-text.js'
import { SYMBOLS, createPalette, type Palette } from './colors.js'
import { formatDuration } from './duration.js'
import { formatErrorDetails } from './format-error.js'
import type { PasteCommand } from './paste-command.js'
import type { Redact } from './redact.js'
import { formatTable } from './tables.js'

export type RunSummary = Extract<BerthEvent, { kind: 'run:summary' }>

export interface SummaryOptions {
  color: boolean
  verbose: boolean
  redact: Redact
  /** Makes the berth commands of the next-step line run as pasted (the `-c` that was typed). */
  paste?: PasteCommand
  /** Where this run's hook output was kept on this machine, if any hook ran. */
  hookLog?: () => string | undefined
}

/** Commands whose purpose is to move `current`; for others, "unchanged" would mislead. */
const SWITCHING_COMMANDS = new Set(['deploy', 'rollback', 'promote'])

export function isFailedOutcome(outcome: HostOutcome): boolean {
  return outcome.failedStep !== undefined || outcome.error !== undefined
}

/** The whole summary, without a trailing newline. */
export function formatSummary(summary: RunSummary, options: SummaryOptions): string {
  const p = createPalette(options.color)
  const r = options.redact
  const failed = summary.outcomes.filter(isFailedOutcome)
  const sections = [formatHeadline(summary, failed.length, p, r)]
  if (summary.outcomes.length > 0) sections.push(formatHostTable(summary, p, r))
  if (!summary.ok || failed.length > 0) sections.push(formatDestructive(summary, p, r))
  for (const outcome of failed) sections.push(formatFailure(outcome, options, p))
  if (summary.ok && failed.length === 0) sections.push(formatNext(summary, p, r, options.paste ?? ((text) => text)))
  const log = options.hookLog?.()
  if (log !== undefined) sections.push(p.dim(`  full hook output: ${r(log)}`))
  return sections.filter((section) => section !== '').join('\n\n')
}

function formatHeadline(summary: RunSummary, failedCount: number, p: Palette, r: Redact): string {
  const release = summary.release === undefined ? '' : ` of ${summary.release}`
  const took = formatDuration(summary.durationMs)
  const total = summary.outcomes.length
  if (summary.ok && failedCount === 0) return p.ok(`${SYMBOLS.ok} ${r(summary.command)}${r(release)} succeeded in ${took}`)
  const hosts = total === 0 ? '' : `: ${failedCount} of ${total} host${total === 1 ? '' : 's'} failed`
  const verb = summary.ok ? 'finished with failures' : 'failed'
  const style = summary.ok ? p.warn : p.fail
  return style(`${SYMBOLS.fail} ${r(summary.command)}${r(release)} ${verb} after ${took}${hosts}`)
}

function formatHostTable(summary: RunSummary, p: Palette, r: Redact): string {
  const rows = summary.outcomes.map((outcome) => [
    p.host(r(outcome.host)),
    r(outcome.live ?? '(none)'),
    formatResult(outcome, summary.command, p, r),
  ])
  return formatTable(rows, { header: ['host', 'live release', 'result'], styleHeader: p.dim, indent: '  ' })
}

function formatResult(outcome: HostOutcome, command: string, p: Palette, r: Redact): string {
  if (isFailedOutcome(outcome)) return p.fail(`${SYMBOLS.fail} failed at ${r(failedStepOf(outcome))}`)
  if (outcome.stoppedAt !== undefined) return p.dim(`${SYMBOLS.skip} stopped at ${r(outcome.stoppedAt)} (other hosts failed)`)
  if (outcome.switched) return p.ok(`${SYMBOLS.ok} switched`)
  if (SWITCHING_COMMANDS.has(command)) return p.dim(`${SYMBOLS.skip} unchanged`)
  return p.ok(`${SYMBOLS.ok} ok`)
}

function failedStepOf(outcome: HostOutcome): string {
  return outcome.failedStep ?? outcome.error?.step ?? 'an unknown step'
}

/** After a successful deploy or rollback: where it is live, and what to run next. */
function formatNext(summary: RunSummary, p: Palette, r: Redact, paste: PasteCommand): string {
  if (summary.where === undefined || !SWITCHING_COMMANDS.has(summary.command)) return ''
  const { environment, deployTo } = summary.where
  const next = summary.command === 'rollback' ? `berth releases ${environment}` : `berth releases ${environment} · back: berth rollback ${environment}`
  return p.dim(`  live at ${r(deployTo)}/current · ${r(paste(next))}`)
}

function formatDestructive(summary: RunSummary, p: Palette, r: Redact): string {
  const sentence = summary.destructive
  if (sentence === '') return ''
  // A summary from elsewhere (a library user's own events) may carry the sentence alone.
  const isCalm = summary.attention ? summary.attention.level === 'none' : sentence.startsWith(NOTHING_DESTRUCTIVE)
  if (isCalm) return p.dim(`  ${r(sentence)}`)
  return `  ${p.warn(p.bold(`${SYMBOLS.warn} ${r(sentence)}`))}`
}

function formatFailure(outcome: HostOutcome, options: SummaryOptions, p: Palette): string {
  const r = options.redact
  const header = p.fail(`${p.host(r(outcome.host))} failed at ${r(failedStepOf(outcome))}:`)
  if (outcome.error === undefined) return header
  const details = formatErrorDetails(outcome.error, options).map((line) => `  ${line}`)
  return [header, ...details].join('\n')
}
