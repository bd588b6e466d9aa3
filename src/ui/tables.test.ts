import { describe, expect, it } from 'vitest'
import { stripAnsi, truncateVisible, visibleWidth } from './ansi.js'
import { formatTable } from './tables.js'

describe('formatTable', () => {
  it('aligns columns and trims trailing spaces', () => {
    const text = formatTable(
      [
        ['web1', '20261123T171500-4634f44', '✓ switched'],
        ['database-1', '–', '– unchanged'],
      ],
      { header: ['host', 'live release', 'result'] },
    )
    expect(text.split('\n')).toEqual([
      'host        live release             result',
      'web1        20261123T171500-4634f44  ✓ switched',
      'database-1  –                        – unchanged',
    ])
  })

  it('measures coloured cells by their visible width', () => {
    const red = (s: string) => `\u001B[31m${s}\u001B[39m`
    const lines = formatTable([[red('ab'), 'x'], ['abcd', 'y']]).split('\n')
    expect(lines.map(stripAnsi)).toEqual(['ab    x', 'abcd  y'])
  })

  it('right-aligns, indents and tolerates ragged rows', () => {
    const text = formatTable([['a', '1'], ['bb', '100', 'extra']], { align: ['left', 'right'], indent: '  ' })
    expect(text.split('\n')).toEqual(['  a     1', '  bb  100  extra'])
  })

  it('returns an empty string for no rows', () => {
    expect(formatTable([])).toBe('')
  })
})

describe('truncateVisible', () => {
  it('cuts to the width with an ellipsis and keeps escapes whole', () => {
    expect(truncateVisible('abcdefgh', 5)).toBe('abcd…')
    expect(truncateVisible('abc', 5)).toBe('abc')
    const cut = truncateVisible('\u001B[2mabcdefgh\u001B[22m', 4)
    expect(stripAnsi(cut)).toBe('abc…')
    expect(visibleWidth(cut)).toBe(4)
    expect(cut.endsWith('\u001B[0m')).toBe(true)
  })
})
