import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { pasteCommand } from './paste-command.js'

describe('pasteCommand', () => {
  it('leaves hints alone when no -c was given', () => {
    expect(pasteCommand(undefined)('see `berth releases demo`')).toBe('see `berth releases demo`')
  })

  it('puts the -c that was typed into every berth command of a hint', () => {
    const paste = pasteCommand('deploy/berth.yml')
    expect(paste('berth releases demo · back: berth rollback demo')).toBe('berth -c deploy/berth.yml releases demo · back: berth -c deploy/berth.yml rollback demo')
    expect(paste('free it with `berth unlock demo --force`')).toBe('free it with `berth -c deploy/berth.yml unlock demo --force`')
  })

  it('leaves prose naming a command without arguments as written', () => {
    expect(pasteCommand('x.yml')('taken with `berth lock`: it stays until `berth unlock`')).toBe('taken with `berth lock`: it stays until `berth unlock`')
  })

  it('quotes a path the shell would split, so the pasted words are the path', () => {
    const path = "my conf/it's.yml"
    const hint = pasteCommand(path)('berth status demo')
    const words = execFileSync('sh', ['-c', `for w in ${hint}; do printf '%s\\n' "$w"; done`], { encoding: 'utf8' })
    expect(words.split('\n').slice(0, 5)).toEqual(['berth', '-c', path, 'status', 'demo'])
  })
})
