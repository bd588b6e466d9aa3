import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { schemaPathFor, starterConfig } from './starter-config.js'

const SCHEMA = ['node_modules', 'berth-deploy', 'schema', 'berth.schema.json']

describe('schemaPathFor', () => {
  const made: string[] = []
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const tree = (...installedAt: string[][]): string => {
    const base = mkdtempSync(join(tmpdir(), 'berth-schema-path-'))
    made.push(base)
    for (const at of installedAt) {
      const file = join(base, ...at, ...SCHEMA)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, '{}')
    }
    return base
  }

  it('points at the project’s own install', () => {
    const base = tree([])
    expect(schemaPathFor(base)).toBe('./node_modules/berth-deploy/schema/berth.schema.json')
  })

  it('finds the install of a parent directory, as in a monorepo, and prefers the nearest', () => {
    const base = tree([])
    const app = join(base, 'packages', 'shop')
    mkdirSync(app, { recursive: true })
    expect(schemaPathFor(app)).toBe('../../node_modules/berth-deploy/schema/berth.schema.json')
    const own = tree([], ['packages', 'shop'])
    expect(schemaPathFor(join(own, 'packages', 'shop'))).toBe('./node_modules/berth-deploy/schema/berth.schema.json')
  })

  it('names where `npm i -D berth-deploy` will put the schema when nothing is installed yet', () => {
    expect(schemaPathFor('/srv/nowhere/app', () => false)).toBe('./node_modules/berth-deploy/schema/berth.schema.json')
  })
})

describe('starterConfig', () => {
  it('starts with the schema line editors read and names the package, not the placeholder', () => {
    const text = starterConfig('shop', './node_modules/berth-deploy/schema/berth.schema.json')
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/berth-deploy/schema/berth.schema.json')
    expect(text).toContain('berth-deploy')
    expect(text).not.toMatch(/npmjs\.com\/package\/berth\b(?!-)/)
    expect((parse(text) as { app: string }).app).toBe('shop')
  })
})
