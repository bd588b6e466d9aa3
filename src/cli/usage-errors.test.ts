import { describe, expect, it } from 'vitest'
import { readHelpAndVersion, tidyHelp, unknownOption } from './usage-errors.js'

const COMMANDS = ['deploy', 'run', 'status']

describe('readHelpAndVersion', () => {
  it('reads `help COMMAND` as COMMAND --help and `version` as --version', () => {
    expect(readHelpAndVersion(['help', 'deploy'], COMMANDS)).toEqual(['deploy', '--help'])
    expect(readHelpAndVersion(['help'], COMMANDS)).toEqual(['--help'])
    expect(readHelpAndVersion(['version'], COMMANDS)).toEqual(['--version'])
    expect(readHelpAndVersion(['deploy', 'help'], COMMANDS)).toEqual(['deploy', 'help'])
  })

  it('refuses help for a command that does not exist, naming the nearest', () => {
    expect(() => readHelpAndVersion(['help', 'stauts'], COMMANDS)).toThrow(/unknown command "stauts"/)
  })
})

describe('unknownOption', () => {
  it('gives `run` the -- it needs, the words quoted as the shell needs', () => {
    const error = unknownOption('Unknown option `-l`', ['run', 'demo', 'ls', '-la', 'my dir'], 'run', [])
    expect(error?.hint).toBe("put the command after --: berth run demo -- ls -la 'my dir'")
  })

  it('names the option as typed, not camelCased, and the one meant', () => {
    const error = unknownOption('Unknown option `--lockWiat`', ['deploy', 'x', '--lock-wiat=5m'], 'deploy', [{ rawName: '--lock-wait <duration>' }])
    expect(error?.message).toBe('unknown option --lock-wiat')
    expect(error?.hint).toMatch(/^did you mean --lock-wait\?/)
  })

  it('leaves other cac errors to cac', () => {
    expect(unknownOption('option `--ref <ref>` value is missing', [], 'deploy', [])).toBeUndefined()
  })
})

describe('tidyHelp', () => {
  it('drops the "(default: true)" cac gives a --no- option, and trailing spaces', () => {
    const [section] = tidyHelp([{ title: 'Options', body: '  --json      events \n  --no-color  no colours (default: true)' }])
    expect(section?.body).toBe('  --json      events\n  --no-color  no colours')
  })
})
