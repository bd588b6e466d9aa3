import { describe, expect, it } from 'vitest'
import { closestMatch, didYouMean, levenshtein } from './did-you-mean.js'

describe('levenshtein', () => {
  it('counts edits', () => {
    expect(levenshtein('rn', 'run')).toBe(1)
    expect(levenshtein('kitten', 'sitting')).toBe(3)
    expect(levenshtein('', 'abc')).toBe(3)
    expect(levenshtein('same', 'same')).toBe(0)
  })
})

describe('closestMatch', () => {
  const keys = ['run', 'http', 'local', 'roles', 'hosts', 'once', 'env', 'cwd', 'prefix', 'timeout']

  it('suggests near misses', () => {
    expect(closestMatch('rn', keys)).toBe('run')
    expect(closestMatch('timout', keys)).toBe('timeout')
    expect(closestMatch('befor_migrate', ['before_migrate', 'after_migrate', 'migrate'])).toBe('before_migrate')
  })

  it('ignores case and separators', () => {
    expect(closestMatch('deploy_to', ['deployTo', 'repo'])).toBe('deployTo')
    expect(closestMatch('keep-releases', ['keepReleases'])).toBe('keepReleases')
  })

  it('suggests the one name an abbreviation starts', () => {
    expect(closestMatch('prod', ['production', 'staging'])).toBe('production')
    expect(closestMatch('pr', ['production', 'preview'])).toBeUndefined()
  })

  it('stays quiet when nothing is close', () => {
    expect(closestMatch('banana', keys)).toBeUndefined()
    expect(didYouMean('banana', keys)).toBe('')
    expect(didYouMean('rn', keys)).toBe(' (did you mean "run"?)')
  })
})
