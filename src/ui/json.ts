/**
 * `--json`: one JSON object per event, one per line (newline-delimited JSON), for CI and
 * scripts. Every event kind passes through with its own fields plus `time`; errors become
 * plain objects (see errors-json.ts). `quiet` and `verbose` do not filter: a consumer
 * that asked for machine output filters by `kind` itself.
 */
import type { BerthEvent, HostOutcome } from '../events.js'
import { redactDeep, type Redact } from './redact.js'
import { serializeError } from '../errors-json.js'
import { renderEvent, type EventRenderers, type ReporterHandle, type ReporterOptions } from './types.js'

export interface JsonReporterOptions extends ReporterOptions {
  /** Clock for each line's `time` field. @default () => new Date() */
  now?: () => Date
}

type JsonObject = Record<string, unknown>

const passThrough = (event: BerthEvent): JsonObject => ({ ...event })

const serializers: EventRenderers<JsonObject> = {
  'run:start': passThrough,
  'step:start': passThrough,
  'step:done': passThrough,
  'host:step': (e) => ({ ...e, error: e.error === undefined ? undefined : serializeError(e.error) }),
  'hook:start': passThrough,
  'hook:done': passThrough,
  output: passThrough,
  log: passThrough,
  'lock:broken': passThrough,
  'release:switched': passThrough,
  'release:removed': passThrough,
  'upload:progress': passThrough,
  'relay:done': passThrough,
  'store:put': passThrough,
  'tag:made': passThrough,
  'maintenance:page': passThrough,
  'run:summary': (e) => ({ ...e, outcomes: e.outcomes.map(serializeOutcome) }),
}

function serializeOutcome(outcome: HostOutcome): JsonObject {
  return { ...outcome, error: outcome.error === undefined ? undefined : serializeError(outcome.error) }
}

/** Turns one event into its JSON line (with the trailing newline). */
export function formatJsonLine(event: BerthEvent, redact: Redact, time: Date): string {
  const { kind, ...fields } = renderEvent(serializers, event)
  // `kind` and `time` first, so lines are easy to scan by eye as well.
  const object = { kind, time: time.toISOString(), ...fields }
  return `${JSON.stringify(redactDeep(object, redact))}\n`
}

export function createJsonReporter(options: JsonReporterOptions): ReporterHandle {
  const now = options.now ?? (() => new Date())
  return {
    report: (event) => options.write(formatJsonLine(event, options.redact, now())),
    finish: () => {},
    redact: options.redact,
  }
}
