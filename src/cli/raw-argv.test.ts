import { describe, expect, it } from 'vitest'
import { readRawArgv, type OptionSpec } from './raw-argv.js'

const specs: OptionSpec[] = [
  { names: ['c', 'config'], takesValue: true },
  { names: ['ref'], takesValue: true },
  { names: ['lockWait'], takesValue: true },
  { names: ['json'], takesValue: false },
  { names: ['q', 'quiet'], takesValue: false },
]

const read = (...argv: string[]) => {
  const raw = readRawArgv(argv, specs)
  return { positionals: raw.positionals, values: Object.fromEntries(raw.values) }
}

describe('readRawArgv', () => {
  it('keeps numeric-looking values exactly as typed', () => {
    expect(read('deploy', 'production', '--ref', '202612.10').values).toEqual({ ref: ['202612.10'] })
    expect(read('deploy', 'production', '--ref', '0777').values).toEqual({ ref: ['0777'] })
    expect(read('deploy', 'production', '--ref', '').values).toEqual({ ref: [''] })
    expect(read('deploy', 'production', '--ref=1e3').values).toEqual({ ref: ['1e3'] })
    expect(read('deploy', 'production', '--ref=').values).toEqual({ ref: [''] })
  })

  it('keys options by their longest name, camelCased like cac, short ones included', () => {
    expect(read('deploy', 'p', '--lock-wait', '5m', '-c', '010').values).toEqual({ lockWait: ['5m'], config: ['010'] })
    expect(read('deploy', 'p', '-qc', 'x.yml').values).toEqual({ config: ['x.yml'] })
    expect(read('deploy', 'p', '-c=0.50').values).toEqual({ config: ['0.50'] })
  })

  it('collects a value given twice, so the caller can refuse it', () => {
    expect(read('deploy', 'p', '--ref', 'a', '--ref=b').values).toEqual({ ref: ['a', 'b'] })
  })

  it('leaves a value that is missing (next word is an option, or none) to cac', () => {
    expect(read('deploy', 'p', '--ref', '--json').values).toEqual({})
    expect(read('deploy', 'p', '--ref').values).toEqual({})
  })

  it('keeps positional words as typed, also after a boolean flag, and stops at --', () => {
    expect(read('status', '--json', '0777').positionals).toEqual(['status', '0777'])
    expect(read('run', 'production', '--ref', 'x', 'echo', '--', '--ref', 'y').positionals).toEqual(['run', 'production', 'echo'])
    expect(read('run', 'production', '--', '--ref', 'y').values).toEqual({})
  })
})
