/**
 * Line-by-line output for logs, pipes and CI: every line about a host starts with the host
 * name padded to a common width (`web1 | …`), so interleaved parallel output stays
 * readable and greppable. With `quiet`, only warnings, failures and the summary print;
 * host output is held back and shown, grouped per host, only for hosts that failed.
 */
import type { BerthEvent } from '../events.js'
import { cleanOutputLine, padEndVisible } from './ansi.js'
import { SYMBOLS, createPalette } from './colors.js'
import { formatBytes, formatDuration } from './duration.js'
import { formatSummary, isFailedOutcome } from './summary.js'
import { storePutLine } from './store-put.js'
import { renderEvent, type EventOf, type EventRenderers, type ReporterHandle, type ReporterOptions } from './types.js'

/** Lines of output kept per host in quiet mode; older lines are dropped, like a tail. */
const QUIET_BUFFER_LINES = 500
/** Hosts named on the opening line before it says "and N more". */
const HOSTS_LISTED = 8

export function createPlainReporter(options: ReporterOptions): ReporterHandle {
  const { redact: r, quiet, verbose } = options
  const p = createPalette(options.color)
  let hostWidth = 0
  const held = new Map<string, string[]>()
  const failedHosts = new Set<string>()
  /** `step\0host` for every host that failed a step, so a step's closing line does not say ✓ over a failure. */
  const stepFailures = new Set<string>()
  let flushed = false
  let runHosts = 0

  const emit = (line: string): void => options.write(`${r(line)}\n`)
  const prefix = (host: string): string => {
    hostWidth = Math.max(hostWidth, r(host).length)
    return `${p.host(padEndVisible(r(host), hostWidth))} ${p.dim('|')} `
  }
  const hostLine = (host: string, text: string): void => emit(`${prefix(host)}${r(text)}`)
  const warn = (text: string, host?: string): void => {
    const line = p.warn(`${SYMBOLS.warn} ${r(text)}`)
    if (host === undefined) emit(line)
    else hostLine(host, line)
  }

  const hold = (host: string, line: string): void => {
    const lines = held.get(host) ?? []
    lines.push(line)
    if (lines.length > QUIET_BUFFER_LINES) lines.shift()
    held.set(host, lines)
  }
  const flushHeld = (hosts: Iterable<string>): void => {
    if (flushed) return
    flushed = true
    for (const host of hosts) {
      const lines = held.get(host) ?? []
      if (lines.length === 0) continue
      emit(p.dim(`output of ${r(host)}:`))
      for (const line of lines) hostLine(host, line)
    }
  }

  const renderers: EventRenderers<void> = {
    'run:start': (e) => {
      runHosts = e.hosts.length
      for (const host of e.hosts) hostWidth = Math.max(hostWidth, r(host).length)
      if (!quiet) emit(formatRunStart(e))
    },
    'step:start': (e) => {
      // Steps with hosts announce themselves per host; host-less ones (fetch) would be silent.
      if (!quiet && e.hosts.length === 0) emit(`${SYMBOLS.start} ${p.step(r(e.step))}`)
    },
    'step:done': (e) => {
      // In a run on one host, that host's own line already said it all.
      if (quiet || (runHosts === 1 && e.hosts.length === 1)) return
      const took = p.dim(`(${formatDuration(e.durationMs)})`)
      const failed = e.hosts.filter((host) => stepFailures.has(`${e.step}\0${host}`)).length
      if (failed === 0) emit(`${p.ok(SYMBOLS.ok)} ${p.step(r(e.step))} ${took}`)
      else emit(`${p.fail(`${SYMBOLS.fail} ${r(e.step)} failed on ${failed} of ${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'}`)} ${took}`)
    },
    'host:step': (e) => renderHostStep(e),
    'hook:start': (e) => {
      if (!quiet) hostLine(e.host, `hook ${e.hook}${e.local ? ' (local)' : ''}: ${p.command(r(e.command))}`)
    },
    'hook:done': (e) => {
      if (verbose && !quiet) hostLine(e.host, `${p.ok(SYMBOLS.ok)} hook ${e.hook} ${p.dim(`(${formatDuration(e.durationMs)})`)}`)
    },
    output: (e) => {
      const line = cleanOutputLine(e.line, options.color)
      if (quiet) hold(e.host, line)
      else hostLine(e.host, line)
    },
    log: (e) => {
      if (e.level === 'warn') warn(e.message, e.host)
      else if (quiet) return
      else if (e.host === undefined) emit(e.message)
      else hostLine(e.host, e.message)
    },
    'lock:broken': (e) => warn(`broke the lock held by ${e.holder}: ${e.why}`, e.host),
    'release:switched': (e) => {
      if (!quiet) hostLine(e.host, `${SYMBOLS.switch} current → ${r(e.to)}${e.from === null ? '' : p.dim(` (was ${r(e.from)})`)}`)
    },
    'release:removed': (e) => {
      if (!quiet) hostLine(e.host, p.dim(`removed release ${r(e.release)}`))
    },
    'upload:progress': (e) => {
      if (verbose && !quiet) hostLine(e.host, p.dim(`received ${e.files} new or changed files, ${formatBytes(e.bytes)}`))
    },
    'relay:done': (e) => {
      if (e.failed.length > 0) warn(`relayed ${formatBytes(e.bytes)} to ${e.hosts.length - e.failed.length} of ${e.hosts.length} hosts; could not reach ${e.failed.join(', ')}`, e.host)
      else if (verbose && !quiet) hostLine(e.host, p.dim(`relayed ${formatBytes(e.bytes)} to ${e.hosts.join(', ')}`))
    },
    'store:put': (e) => {
      if (verbose && !quiet) emit(p.dim(storePutLine(e)))
    },
    'maintenance:page': (e) => {
      if (!quiet && e.page !== 'kept') hostLine(e.host, `maintenance page ${e.page}: ${e.path}`)
    },
    'tag:made': (e) => {
      if (!quiet) emit(`tagged ${e.sha.slice(0, 12)} as ${r(e.tag)}${e.pushedTo === undefined ? '' : ` and pushed it to ${r(e.pushedTo)}`}`)
    },
    'run:summary': (e) => {
      if (quiet) flushHeld(e.outcomes.filter(isFailedOutcome).map((o) => o.host))
      emit('')
      emit(formatSummary(e, options))
    },
  }

  function renderHostStep(e: EventOf<'host:step'>): void {
    const took = e.durationMs === undefined ? '' : ` ${p.dim(`(${formatDuration(e.durationMs)})`)}`
    const step = p.step(r(e.step))
    if (e.status === 'failed') {
      failedHosts.add(e.host)
      stepFailures.add(`${e.step}\0${e.host}`)
      const why = e.error === undefined ? '' : `: ${r(e.error.message)}`
      hostLine(e.host, p.fail(`${SYMBOLS.fail} ${step}${took}${why}`))
      return
    }
    if (quiet) return
    if (e.status === 'start') hostLine(e.host, `${SYMBOLS.start} ${step}`)
    else if (e.status === 'done') hostLine(e.host, `${p.ok(SYMBOLS.ok)} ${step}${took}`)
    else hostLine(e.host, p.dim(`${SYMBOLS.skip} ${step} skipped`))
  }

  function formatRunStart(e: EventOf<'run:start'>): string {
    const release = e.release === undefined ? '' : ` ${r(e.release)}`
    const from = [e.ref, e.revision?.slice(0, 7)].filter((part): part is string => part !== undefined)
    const source = from.length === 0 ? '' : p.dim(` (${from.map(r).join(' @ ')})`)
    const shown = e.hosts.slice(0, HOSTS_LISTED).map(r).join(', ')
    const more = e.hosts.length > HOSTS_LISTED ? ` and ${e.hosts.length - HOSTS_LISTED} more` : ''
    const hosts = e.hosts.length === 0 ? '' : ` on ${shown}${more}`
    return `${p.bold(`${r(e.command)} ${r(e.environment)}`)}${release}${source}${hosts}`
  }

  return {
    report: (event: BerthEvent) => renderEvent(renderers, event),
    redact: r,
    // A run that ended by throwing has no summary; still show what the failed hosts printed.
    finish: () => {
      if (quiet) flushHeld(failedHosts)
    },
  }
}
