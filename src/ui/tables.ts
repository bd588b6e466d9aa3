/**
 * Aligned plain-text columns, for the run summary and for listing commands (`releases`,
 * `status`, `history`). Cells may carry colour; widths are measured without it.
 */
import { padEndVisible, padStartVisible, visibleWidth } from './ansi.js'

export interface TableOptions {
  /** First row, e.g. `['host', 'live release', 'result']`. */
  header?: string[]
  /** Applied to each header cell after padding is computed (e.g. dim or bold). */
  styleHeader?: (cell: string) => string
  /** Per-column alignment; columns without an entry are left-aligned. */
  align?: Array<'left' | 'right'>
  /** Spaces between columns. @default 2 */
  gap?: number
  /** Prepended to every line (e.g. two spaces to indent the table). @default '' */
  indent?: string
}

/**
 * Formats rows as aligned columns, one line per row, without a trailing newline. Trailing
 * spaces are trimmed so the output is stable in logs and tests. Rows may be ragged.
 */
export function formatTable(rows: string[][], options: TableOptions = {}): string {
  const header = options.header
  const all = header === undefined ? rows : [header, ...rows]
  if (all.length === 0) return ''
  const widths = columnWidths(all)
  const lines = all.map((row, index) => {
    const isHeader = header !== undefined && index === 0
    return formatRow(row, widths, options, isHeader)
  })
  return lines.join('\n')
}

function columnWidths(rows: string[][]): number[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, visibleWidth(cell))
    })
  }
  return widths
}

function formatRow(row: string[], widths: number[], options: TableOptions, isHeader: boolean): string {
  const gap = ' '.repeat(options.gap ?? 2)
  const cells = row.map((cell, column) => {
    const width = widths[column] ?? 0
    const padded = options.align?.[column] === 'right' ? padStartVisible(cell, width) : padEndVisible(cell, width)
    return isHeader && options.styleHeader ? styleKeepingPadding(padded, options.styleHeader) : padded
  })
  return `${options.indent ?? ''}${cells.join(gap)}`.trimEnd()
}

/** Styles only the words, so underlines/inverse do not extend over the padding. */
function styleKeepingPadding(padded: string, style: (s: string) => string): string {
  const match = /^(\s*)(.*?)(\s*)$/.exec(padded)
  if (match === null || match[2] === '') return padded
  return `${match[1]}${style(match[2] ?? '')}${match[3]}`
}
