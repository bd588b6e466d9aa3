import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { shellJoin, shellQuote } from './quote.js'

/** What `sh` sees after parsing the quoted line: one argument per line, NUL-free. */
function roundTrip(words: string[]): string[] {
  const out = execFileSync('sh', ['-c', `for a in ${shellJoin(words)}; do printf '%s\\0' "$a"; done`])
  return out.toString().split('\0').slice(0, -1)
}

const hostile = [
  'x;rm -rf ~',
  "it's",
  '$(touch /tmp/berth-pwned)',
  '`id`',
  'a b  c',
  '"double"',
  "'; echo pwned; '",
  '\\',
  'new\nline',
  '*',
  '~',
  '-n',
  '',
  '$HOME',
  '&& reboot',
  '|cat',
  '>x',
  'ünïcødé',
]

describe('shellQuote', () => {
  it('leaves plain words readable', () => {
    expect(shellQuote('releases/20261123T171500-4634f44')).toBe('releases/20261123T171500-4634f44')
    expect(shellJoin(['mkdir', '-p', '/srv/app/shared'])).toBe('mkdir -p /srv/app/shared')
  })

  it('quotes hostile words exactly', () => {
    expect(shellQuote('x;rm -rf ~')).toBe(`'x;rm -rf ~'`)
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
    expect(shellQuote('')).toBe(`''`)
  })

  it('makes every hostile word reach sh as one inert argument', () => {
    expect(roundTrip(hostile)).toEqual(hostile)
  })
})
