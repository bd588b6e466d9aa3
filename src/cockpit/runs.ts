/**
 * The one deploy or rollback the page may have going at a time, and what its event stream
 * replays: a page opened (or reloaded) mid-run sees the run from its start, and the last
 * run's log stays until the next one starts.
 */
import { serializeError } from '../errors-json.js'
import { toBerthError } from '../errors.js'
import type { Reporter } from '../events.js'
import { formatJsonLine } from '../ui/json.js'
import { redactDeep, type Redact } from '../ui/redact.js'

export type RunAction = 'deploy' | 'rollback'

/**
 * One server-sent event. `berth` carries one line of `--json` output as it is (README,
 * "The web page"); `start` and `end` frame a run.
 */
export interface StreamMessage {
  event: 'start' | 'berth' | 'end'
  id: string
  data: string
}

interface RunInfo {
  id: number
  action: RunAction
  startedAt: string
  /** Null while it runs; then whether it succeeded, and the error (as `--json` shows errors) if it threw. */
  done: { ok: boolean; error?: unknown } | null
}

export interface RunTracker {
  /** Starts `body` unless a run is going or the server is stopping (then null). `body` resolves to whether the run succeeded. */
  start(action: RunAction, body: (report: Reporter) => Promise<boolean>): RunInfo | null
  /** The latest run, going or finished; null before the first. */
  latest(): RunInfo | null
  /** Sends the latest run's messages so far, then each new one, until the returned function is called. */
  follow(listener: (message: StreamMessage) => void): () => void
  /** Resolves once no run is going. */
  idle(): Promise<void>
  /** From now on `start` starts nothing (the server is stopping). */
  refuseNew(): void
}

export function createRunTracker(options: { redact: Redact; now?: () => Date }): RunTracker {
  const now = options.now ?? (() => new Date())
  const listeners = new Set<(message: StreamMessage) => void>()
  let run: RunInfo | null = null
  let log: StreamMessage[] = []
  let running: Promise<void> = Promise.resolve()
  let isRefusing = false

  const emit = (event: StreamMessage['event'], data: string): void => {
    if (run === null) return
    const message = { event, id: `${run.id}:${log.length}`, data }
    log.push(message)
    for (const listener of listeners) listener(message)
  }

  return {
    start(action, body) {
      if (isRefusing || (run !== null && run.done === null)) return null
      const info: RunInfo = { id: (run?.id ?? 0) + 1, action, startedAt: now().toISOString(), done: null }
      run = info
      log = []
      emit('start', JSON.stringify({ id: info.id, action, startedAt: info.startedAt }))
      const report: Reporter = (event) => emit('berth', formatJsonLine(event, options.redact, now()).trimEnd())
      const finish = (done: NonNullable<RunInfo['done']>): void => {
        info.done = done
        emit('end', JSON.stringify({ id: info.id, action, ...done }))
      }
      running = body(report).then(
        (ok) => finish({ ok }),
        (error: unknown) => finish({ ok: false, error: redactDeep(serializeError(toBerthError(error)), options.redact) }),
      )
      return info
    },
    latest: () => run,
    follow(listener) {
      for (const message of log) listener(message)
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    idle: () => running,
    refuseNew: () => {
      isRefusing = true
    },
  }
}
