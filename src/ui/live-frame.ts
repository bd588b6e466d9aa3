/**
 * The live area of the terminal reporter as a pure function of its state: a header line
 * and one row per host (`web1  ⠋ build  2.1s  last output line`). Kept apart from tty.ts
 * so the layout rules (narrow terminals, more hosts than rows) are plain data → string.
 */
import { padEndVisible, truncateVisible } from './ansi.js'
import { SYMBOLS, type Palette } from './colors.js'
import { formatDuration } from './duration.js'

type HostState = 'waiting' | 'running' | 'done' | 'failed' | 'skipped'

export interface HostRow {
  host: string
  state: HostState
  step?: string
  /** When the current step began on this host (ms, from the reporter's clock). */
  stepStartedAt?: number
  durationMs?: number
  /** What the host is doing inside the step (a hook, an upload) or why it failed. */
  detail?: string
  /** The newest line of output, shown dimmed when output is not printed in full. */
  lastLine?: string
}

export interface LiveState {
  title: string
  step?: string
  startedAt: number
  rows: HostRow[]
}

export interface FrameOptions {
  palette: Palette
  width: number
  height: number
  now: number
  spinner: string
  /** The last frame, left on screen: no spinner, nothing "running" any more. */
  isFinal: boolean
}

/** Below this width the output/detail column is dropped; below the next, the timer too. */
const WIDTH_FOR_DETAIL = 50
const WIDTH_FOR_TIMER = 30
/** Header and the "… more hosts" line, plus one spare so the frame never scrolls. */
const RESERVED_LINES = 3

export function renderFrame(state: LiveState, options: FrameOptions): string {
  const lineWidth = Math.max(1, options.width - 1) // a line exactly as wide as the terminal wraps on some
  const { shown, hidden } = pickVisibleRows(state.rows, Math.max(1, options.height - RESERVED_LINES))
  const hostWidth = Math.max(...shown.map((row) => row.host.length), 0)
  const stepWidth = Math.max(...shown.map((row) => (row.step ?? '').length), 0)
  const lines = [formatHeader(state, options)]
  for (const row of shown) lines.push(formatRow(row, hostWidth, stepWidth, options))
  if (hidden.length > 0) lines.push(options.palette.dim(`  … ${describeHidden(hidden)}`))
  return lines.map((line) => truncateVisible(line, lineWidth)).join('\n')
}

function formatHeader(state: LiveState, options: FrameOptions): string {
  const p = options.palette
  const step = state.step === undefined ? '' : ` ${p.dim('·')} ${p.step(state.step)}`
  const elapsed = ` ${p.dim(`· ${formatDuration(options.now - state.startedAt)}`)}`
  const isRunning = !options.isFinal && state.rows.some((row) => row.state === 'running')
  const mark = isRunning ? `${p.host(options.spinner)} ` : ''
  return `${mark}${p.bold(state.title)}${step}${elapsed}`
}

function formatRow(row: HostRow, hostWidth: number, stepWidth: number, options: FrameOptions): string {
  const p = options.palette
  const cells = [`  ${p.host(padEndVisible(row.host, hostWidth))}`, symbolFor(row.state, options), padEndVisible(row.step ?? '', stepWidth)]
  if (options.width >= WIDTH_FOR_TIMER) cells.push(p.dim(padEndVisible(elapsedOf(row, options.now), 6)))
  if (options.width >= WIDTH_FOR_DETAIL) cells.push(detailOf(row, p))
  return cells.join(' ').trimEnd()
}

function symbolFor(state: HostState, options: FrameOptions): string {
  const p = options.palette
  switch (state) {
    case 'waiting':
      return p.dim('·')
    case 'running':
      return options.isFinal ? SYMBOLS.start : p.host(options.spinner)
    case 'done':
      return p.ok(SYMBOLS.ok)
    case 'failed':
      return p.fail(SYMBOLS.fail)
    case 'skipped':
      return p.dim(SYMBOLS.skip)
  }
}

function elapsedOf(row: HostRow, now: number): string {
  if (row.durationMs !== undefined) return formatDuration(row.durationMs)
  if (row.state === 'running' && row.stepStartedAt !== undefined) return formatDuration(now - row.stepStartedAt)
  return ''
}

function detailOf(row: HostRow, p: Palette): string {
  if (row.state === 'failed') return p.fail(row.detail ?? '')
  // A running hook shows its name and its newest line: a silent row for a minute-long
  // migration reads as a hang.
  if (row.detail !== undefined && row.lastLine !== undefined) return `${row.detail} ${p.dim(`· ${row.lastLine}`)}`
  if (row.detail !== undefined) return row.detail
  return p.dim(row.lastLine ?? '')
}

/**
 * When hosts outnumber the terminal's rows, shows failed and running hosts first (they
 * are what the reader watches), in their original order, and counts the rest.
 */
function pickVisibleRows(rows: HostRow[], capacity: number): { shown: HostRow[]; hidden: HostRow[] } {
  if (rows.length <= capacity) return { shown: rows, hidden: [] }
  const keep = capacity - 1
  const priority: HostState[] = ['failed', 'running', 'waiting', 'done', 'skipped']
  const ranked = [...rows].sort((a, b) => priority.indexOf(a.state) - priority.indexOf(b.state))
  const chosen = new Set(ranked.slice(0, keep))
  return { shown: rows.filter((row) => chosen.has(row)), hidden: rows.filter((row) => !chosen.has(row)) }
}

function describeHidden(hidden: HostRow[]): string {
  const counts = new Map<HostState, number>()
  for (const row of hidden) counts.set(row.state, (counts.get(row.state) ?? 0) + 1)
  const parts = [...counts].map(([state, count]) => `${count} ${state}`)
  return `${hidden.length} more host${hidden.length === 1 ? '' : 's'}: ${parts.join(', ')}`
}
