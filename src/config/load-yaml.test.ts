import { describe, expect, it } from 'vitest'
import { MAX_ALIAS_COUNT, parseYaml } from './load-yaml.js'

describe('parseYaml', () => {
  it('refuses a "billion laughs" file with a line, instead of expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (const [i, name] of [...'bcdefghi'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + i)
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`)
    }
    const parsed = parseYaml(`app: shop\n${levels.join('\n')}\n`)
    expect(parsed.data).toBeUndefined()
    expect(parsed.syntaxErrors).toEqual([{ line: 3, col: 8, message: expect.stringContaining(`more than ${MAX_ALIAS_COUNT} expansions`) }])
  })

  it('still reads the aliases and merges a config uses to share settings', () => {
    const parsed = parseYaml('base: &base { keepReleases: 3 }\nenvironments:\n  production: { <<: *base }\n  staging: { <<: *base, keepReleases: 1 }\n')
    expect(parsed.syntaxErrors).toEqual([])
    expect(parsed.data).toMatchObject({ environments: { production: { keepReleases: 3 }, staging: { keepReleases: 1 } } })
  })

  it('reports every repeated key, in block and flow mappings, at its line', () => {
    const parsed = parseYaml('app: shop\nhooks:\n  build: a\n  build: b\nenvironments: { production: {}, production: {} }\napp: again\n')
    expect(parsed.syntaxErrors.map((e) => [e.line, e.message])).toEqual([
      [4, 'Map keys must be unique'],
      [5, 'Map keys must be unique'],
      [6, 'Map keys must be unique'],
    ])
  })

  it('reads and locates a very large mapping in linear time', () => {
    // Checking each key against the whole mapping took ~50 s for 20,000 keys; linear is ~1 s.
    const count = 20_000
    const text = `environments:\n${Array.from({ length: count }, (_, i) => `  e${i}:\n    bogus: 1\n`).join('')}`
    const started = Date.now()
    const parsed = parseYaml(text)
    for (let i = 0; i < count; i += 1) expect(parsed.locate(['environments', `e${i}`, 'bogus'])?.line).toBe(3 + 2 * i)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
