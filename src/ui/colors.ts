/**
 * The one module that imports picocolors. Reporters ask for meanings (ok, fail, warn),
 * not colours, so the palette can change in one place. Whether colour is on is decided by
 * the CLI (--no-color, NO_COLOR, TTY) and passed in; picocolors' own detection would look
 * at process.stdout, which is the wrong stream when output is captured or redirected.
 */
import pc from 'picocolors'

type Style = (text: string) => string

export interface Palette {
  ok: Style
  fail: Style
  warn: Style
  dim: Style
  bold: Style
  host: Style
  step: Style
  command: Style
}

export function createPalette(enabled: boolean): Palette {
  const c = pc.createColors(enabled)
  return {
    ok: c.green,
    fail: c.red,
    warn: c.yellow,
    dim: c.dim,
    bold: c.bold,
    host: c.cyan,
    step: c.bold,
    command: c.magenta,
  }
}

/** Symbols shared by every human reporter, so plain and live output read the same. */
export const SYMBOLS = {
  ok: '✓',
  fail: '✗',
  skip: '–',
  start: '▸',
  warn: '⚠',
  switch: '⇢',
  outputGutter: '│',
} as const
