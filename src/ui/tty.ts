/**
 * The live view on a terminal: one row per host with its step, a spinner or ✓/✗ and the
 * time spent, redrawn in place with log-update. Anything that must stay in the scrollback
 * (warnings, info logs, and host output with --verbose) is printed above the live area.
 * Without --verbose a host's newest output line shows dimmed on its row instead.
 * Commands that emit no host activity (e.g. `releases`) never draw a live area at all.
 */
import { createLogUpdate } from 'log-update'
import type { BerthEvent } from '../events.js'
import { cleanOutputLine } from './ansi.js'
import { SYMBOLS, createPalette } from './colors.js'
import { formatBytes, formatDuration } from './duration.js'
import { renderFrame, type HostRow, type LiveState } from './live-frame.js'
import { formatSummary } from './summary.js'
import { storePutLine } from './store-put.js'
import { renderEvent, type EventOf, type EventRenderers, type ReporterHandle, type ReporterOptions } from './types.js'

export interface TtyReporterOptions extends ReporterOptions {
  /** Terminal width, read for every frame since windows resize. @default stdout's columns, else 80 */
  columns?: () => number | undefined
  /** Terminal height, read for every frame. @default stdout's rows, else 24 */
  rows?: () => number | undefined
  /** Milliseconds between spinner frames; 0 redraws only on events. @default 80 */
  spinnerIntervalMs?: number
  /** Clock for elapsed times. @default Date.now */
  now?: () => number
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export function createTtyReporter(options: TtyReporterOptions): ReporterHandle {
  const { redact: r, verbose, quiet } = options
  const p = createPalette(options.color)
  const now = options.now ?? Date.now
  // The CLI writes reporters to stdout, so that is the terminal to measure by default. A
  // terminal that reports no size (0×0, as under `script` or some CI runners) gets the
  // defaults: sized 0, the live area would show nothing at all.
  const width = (): number => (options.columns ?? (() => process.stdout.columns))() || 80
  const height = (): number => (options.rows ?? (() => process.stdout.rows))() || 24
  const live = createLogUpdate(terminalStream(options, width, height), { defaultWidth: 80, defaultHeight: 24 })

  const state: LiveState = { title: '', startedAt: now(), rows: [] }
  const byHost = new Map<string, HostRow>()
  let hasActivity = false
  let isStopped = false
  let tick = 0
  let timer: ReturnType<typeof setInterval> | undefined

  const frame = (isFinal: boolean): string =>
    renderFrame(state, { palette: p, width: width(), height: height(), now: now(), spinner: SPINNER[tick % SPINNER.length] ?? '', isFinal })
  const draw = (): void => {
    if (hasActivity && !isStopped) live(frame(false))
  }
  /** Output can arrive thousands of lines a second; with the spinner running, its next tick redraws. */
  const drawSoon = (): void => {
    if (timer === undefined) draw()
  }
  /**
   * Lines for the scrollback. While the spinner runs they are queued and written on its
   * next tick in one go: redrawing the live area per line would crawl under --verbose.
   */
  const pending: string[] = []
  const persist = (text: string): void => {
    if (isStopped || !hasActivity) options.write(`${r(text)}\n`)
    else if (timer !== undefined) pending.push(r(text))
    else {
      live.persist(r(text))
      draw()
    }
  }
  const flushPending = (): void => {
    if (pending.length === 0) return
    live.persist(pending.splice(0).join('\n'))
  }
  const hostLine = (host: string, text: string): void => persist(`${p.host(r(host))} ${p.dim('|')} ${r(text)}`)
  const warn = (text: string, host?: string): void =>
    persist(p.warn(`${SYMBOLS.warn} ${host === undefined ? '' : `${r(host)}: `}${r(text)}`))

  const rowFor = (host: string): HostRow => {
    let row = byHost.get(host)
    if (row === undefined) {
      row = { host: r(host), state: 'waiting' }
      byHost.set(host, row)
      state.rows.push(row)
    }
    return row
  }
  const activate = (): void => {
    hasActivity = true
    const interval = options.spinnerIntervalMs ?? 80
    if (timer !== undefined || isStopped || interval <= 0) return
    timer = setInterval(() => {
      tick++
      flushPending()
      draw()
    }, interval)
    // A forgotten finish() must not keep the process alive.
    timer.unref()
  }
  const startStep = (row: HostRow, step: string): void => {
    row.state = 'running'
    row.step = r(step)
    row.stepStartedAt = now()
    delete row.durationMs
    delete row.detail
    delete row.lastLine
  }
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    if (isStopped) return
    if (hasActivity) {
      flushPending()
      live(frame(true))
      live.done()
    }
    isStopped = true
  }

  const renderers: EventRenderers<void> = {
    'run:start': (e) => {
      state.title = r(`${e.command} ${e.environment}${e.release === undefined ? '' : ` ${e.release}`}`)
      state.startedAt = now()
      for (const host of e.hosts) rowFor(host)
    },
    'step:start': (e) => {
      state.step = r(e.step)
      for (const host of e.hosts) {
        const row = rowFor(host)
        if (row.state !== 'failed') startStep(row, e.step)
      }
      if (e.hosts.length > 0) activate()
      draw()
    },
    'step:done': (e) => {
      for (const host of e.hosts) {
        const row = rowFor(host)
        if (row.state === 'running' && row.step === r(e.step)) finishStep(row, 'done')
      }
      draw()
    },
    'host:step': (e) => {
      updateHostStep(e)
      activate()
      draw()
    },
    'hook:start': (e) => {
      const row = rowFor(e.host)
      row.detail = `hook ${r(e.hook)}`
      // The line shown is the running hook's own, never the previous hook's.
      delete row.lastLine
      if (verbose) hostLine(e.host, `hook ${e.hook}${e.local ? ' (local)' : ''}: ${p.command(r(e.command))}`)
      drawSoon()
    },
    'hook:done': (e) => {
      delete rowFor(e.host).detail
      if (verbose) hostLine(e.host, `${p.ok(SYMBOLS.ok)} hook ${e.hook} ${p.dim(`(${formatDuration(e.durationMs)})`)}`)
      drawSoon()
    },
    output: (e) => {
      const line = cleanOutputLine(e.line, options.color)
      const row = rowFor(e.host)
      // Output outside any step (e.g. `berth run`) is what the user asked for: print it whole.
      if (verbose || row.step === undefined) hostLine(e.host, line)
      else {
        row.lastLine = r(line)
        drawSoon()
      }
    },
    log: (e) => {
      if (e.level === 'warn') warn(e.message, e.host)
      else if (!quiet) persist(e.host === undefined ? e.message : `${p.host(r(e.host))} ${p.dim('|')} ${r(e.message)}`)
    },
    'lock:broken': (e) => warn(`broke the lock held by ${e.holder}: ${e.why}`, e.host),
    'release:switched': (e) => {
      rowFor(e.host).detail = `${SYMBOLS.switch} ${r(e.to)}`
      if (verbose) hostLine(e.host, `current → ${e.to}${e.from === null ? '' : ` (was ${e.from})`}`)
      drawSoon()
    },
    'release:removed': (e) => {
      if (verbose) hostLine(e.host, p.dim(`removed release ${r(e.release)}`))
    },
    'upload:progress': (e) => {
      rowFor(e.host).detail = p.dim(`receiving: ${e.files} files, ${formatBytes(e.bytes)}`)
      drawSoon()
    },
    'relay:done': (e) => {
      rowFor(e.host).detail = p.dim(`relayed ${formatBytes(e.bytes)} to ${e.hosts.length - e.failed.length}/${e.hosts.length} hosts`)
      if (e.failed.length > 0) persist(`${p.host(r(e.host))} ${p.dim('|')} could not pass the release on to ${e.failed.map(r).join(', ')}`)
      drawSoon()
    },
    'store:put': (e) => {
      if (verbose) persist(p.dim(storePutLine(e)))
    },
    'maintenance:page': (e) => {
      if (!quiet && e.page !== 'kept') persist(`${p.host(r(e.host))} ${p.dim('|')} maintenance page ${e.page}: ${r(e.path)}`)
    },
    'tag:made': (e) => {
      if (!quiet) persist(`tagged ${e.sha.slice(0, 12)} as ${r(e.tag)}${e.pushedTo === undefined ? '' : ` and pushed it to ${r(e.pushedTo)}`}`)
    },
    'run:summary': (e) => {
      stop()
      options.write(`\n${formatSummary(e, options)}\n`)
    },
  }

  function updateHostStep(e: EventOf<'host:step'>): void {
    const row = rowFor(e.host)
    if (e.status === 'start') return startStep(row, e.step)
    row.step = r(e.step)
    if (e.status === 'skipped') return finishStep(row, 'skipped', e.durationMs)
    finishStep(row, e.status, e.durationMs)
    if (e.status === 'failed' && e.error !== undefined) row.detail = r(e.error.message)
  }

  function finishStep(row: HostRow, to: 'done' | 'failed' | 'skipped', durationMs?: number): void {
    row.state = to
    const took = durationMs ?? (row.stepStartedAt === undefined ? undefined : now() - row.stepStartedAt)
    if (took !== undefined) row.durationMs = took
    delete row.detail
    // A finished step's chatter is noise; a failed one keeps its last line as context.
    if (to !== 'failed') delete row.lastLine
  }

  return {
    report: (event: BerthEvent) => renderEvent(renderers, event),
    finish: stop,
    redact: r,
  }
}

/**
 * log-update wants a stream; it only calls write() and reads columns, rows and isTTY.
 * This adapter sends its frames to the reporter's `write`, masked like everything else.
 */
function terminalStream(options: TtyReporterOptions, width: () => number, height: () => number): NodeJS.WritableStream {
  const stream = {
    isTTY: true,
    get columns() {
      return width()
    },
    get rows() {
      return height()
    },
    write(chunk: string | Uint8Array): boolean {
      options.write(options.redact(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')))
      return true
    },
  }
  return stream as unknown as NodeJS.WritableStream
}
