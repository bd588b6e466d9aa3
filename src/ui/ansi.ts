/**
 * Width math for styled text. Alignment and truncation must ignore colour escapes, or a
 * coloured cell would pad short and a truncated line could cut an escape in half.
 * Characters are counted as one column each: host names, release ids and step names are
 * ASCII, and our symbols (✓ ✗ ▸ …) are single-width.
 */

// CSI sequences (colours, cursor movement) and OSC sequences (hyperlinks, titles).
// eslint-disable-next-line no-control-regex
const ANSI_PATTERN = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/g

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '')
}

/** Columns the text takes on a terminal. */
export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length
}

/** Pads with spaces on the right to `width` visible columns. */
export function padEndVisible(text: string, width: number): string {
  const missing = width - visibleWidth(text)
  return missing > 0 ? text + ' '.repeat(missing) : text
}

/** Pads with spaces on the left to `width` visible columns. */
export function padStartVisible(text: string, width: number): string {
  const missing = width - visibleWidth(text)
  return missing > 0 ? ' '.repeat(missing) + text : text
}

/**
 * Cuts text to at most `width` visible columns, ending in `…` when cut. Escapes are kept
 * (they take no columns) and a reset is appended, so a cut never leaves colour bleeding
 * into the next line.
 */
export function truncateVisible(text: string, width: number): string {
  if (width <= 0) return ''
  if (visibleWidth(text) <= width) return text
  let out = ''
  let used = 0
  let styled = false
  for (const token of tokenize(text)) {
    if (token.startsWith('\u001B')) {
      out += token
      styled = true
      continue
    }
    if (used === width - 1) break
    out += token
    used++
  }
  return `${out}…${styled ? '\u001B[0m' : ''}`
}

/** Splits into escape sequences (whole) and single characters. */
function tokenize(text: string): string[] {
  const tokens: string[] = []
  let last = 0
  for (const match of text.matchAll(ANSI_PATTERN)) {
    tokens.push(...text.slice(last, match.index))
    tokens.push(match[0])
    last = match.index + match[0].length
  }
  tokens.push(...text.slice(last))
  return tokens
}

/**
 * Prepares a line of a remote command's output for display: keeps only what follows the
 * last carriage return (what a terminal would show of a progress bar), and drops the
 * command's own colours when ours are off, so `--no-color` logs stay free of escapes.
 */
export function cleanOutputLine(line: string, keepColor: boolean): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line
  const visible = trimmed.slice(trimmed.lastIndexOf('\r') + 1)
  return keepColor ? visible : stripAnsi(visible)
}
