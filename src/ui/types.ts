/**
 * What every reporter takes and returns, and the mapped renderer table that makes a new
 * event kind a compile error until each reporter decides how to show it.
 */
import type { BerthEvent, BerthEventKind, Reporter } from '../events.js'
import type { PasteCommand } from './paste-command.js'
import type { Redact } from './redact.js'

export interface ReporterOptions {
  /** Where output goes (stdout in the CLI). Called with complete lines, newline included. */
  write: (text: string) => void
  /** Masks secret values; every printed string passes through it. */
  redact: Redact
  /** Whether to emit ANSI colours. */
  color: boolean
  /** Show host output, hook completions, upload progress and error cause chains. */
  verbose: boolean
  /** Only warnings, failures and the final summary. */
  quiet: boolean
  /** Makes the berth commands in hints run as pasted (the `-c` that was typed). */
  paste?: PasteCommand
  /** Where this run's hook output is kept on this machine, for the summary to say. */
  hookLog?: () => string | undefined
}

export interface ReporterHandle {
  /** Pass to the core as its `reporter`. */
  report: Reporter
  /** Flushes buffered output and stops any live view; call once when the command ends, even on error. */
  finish(): void
  /** The reporter's redactor, for printing a final error with the same secrets masked. */
  redact: Redact
}

export type EventOf<K extends BerthEventKind> = Extract<BerthEvent, { kind: K }>

/** One renderer per event kind; a kind added to `BerthEvent` fails to compile until handled. */
export type EventRenderers<R> = { [K in BerthEventKind]: (event: EventOf<K>) => R }

export function renderEvent<R>(renderers: EventRenderers<R>, event: BerthEvent): R {
  // The mapped type guarantees the pairing; TypeScript cannot correlate it through the union.
  const render = renderers[event.kind] as (event: BerthEvent) => R
  return render(event)
}
