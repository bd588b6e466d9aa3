import { describe, expect, it } from 'vitest'
import { createToken, tokenMatches } from './token.js'

describe('the page token', () => {
  it('is long, URL-safe and new each time', () => {
    const a = createToken()
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(createToken()).not.toBe(a)
  })

  it('matches only itself', () => {
    const token = createToken()
    expect(tokenMatches(token, token)).toBe(true)
    for (const other of [undefined, '', token.slice(1), `${token}=`, token.toUpperCase(), createToken()]) expect(tokenMatches(other, token)).toBe(false)
  })
})
