import { describe, expect, it } from 'vitest'
import { interpolate } from './interpolate.js'

describe('interpolate', () => {
  const env = { HOST: 'db.internal', EMPTY: '', PASS: 'p4ss' }

  it('replaces ${VAR} and records the references', () => {
    const result = interpolate('postgres://u:${PASS}@${HOST}/app', env)
    expect(result).toEqual({ value: 'postgres://u:p4ss@db.internal/app', references: ['PASS', 'HOST'], missing: [], problems: [] })
  })

  it('uses ${VAR:-default} when VAR is unset or empty, as sh does', () => {
    expect(interpolate('${NOPE:-fallback}', env).value).toBe('fallback')
    expect(interpolate('${EMPTY:-fallback}', env).value).toBe('fallback')
    expect(interpolate('${HOST:-fallback}', env).value).toBe('db.internal')
    expect(interpolate('${NOPE:-}', env)).toMatchObject({ value: '', missing: [] })
  })

  it('reports unset variables without a default', () => {
    expect(interpolate('${NOPE}/x', env)).toMatchObject({ missing: ['NOPE'], references: ['NOPE'] })
    expect(interpolate('${EMPTY}', env)).toMatchObject({ value: '', missing: [] })
  })

  it('keeps lone dollars and turns $$ into $', () => {
    expect(interpolate('pa$word $HOME', env).value).toBe('pa$word $HOME')
    expect(interpolate('$${HOST} costs $$5', env)).toMatchObject({ value: '${HOST} costs $5', references: [] })
  })

  it('reports bad syntax', () => {
    expect(interpolate('${oops', env).problems).toEqual(['unterminated "${" in "${oops": close it with "}" or write "$$" for a literal "$"'])
    expect(interpolate('${1BAD}', env).problems).toEqual(['invalid reference "${1BAD}": expected ${NAME} or ${NAME:-default}'])
  })
})
