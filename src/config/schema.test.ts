import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { defineConfig } from './define.js'
import { parse } from 'yaml'
import { renderConfigReference, SECTION_EXAMPLES, undescribedKeys } from './reference.js'
import { configSchema, renderJsonSchema, type UserConfig } from './schema.js'
import { allowedKeysAt } from './validate.js'

describe('schema/berth.schema.json', () => {
  it('is up to date with src/config/schema.ts (regenerate: npx tsx scripts/gen-schema.ts)', () => {
    const committed = readFileSync(new URL('../../schema/berth.schema.json', import.meta.url), 'utf8')
    expect(committed).toBe(renderJsonSchema())
  })

  it('is strict and requires app and environments', () => {
    const schema = JSON.parse(renderJsonSchema()) as { required: string[]; additionalProperties: boolean; $defs: Record<string, unknown> }
    expect(schema.required).toEqual(['app', 'environments'])
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.$defs)).toEqual(expect.arrayContaining(['HookEntry', 'Host', 'Environment', 'Duration']))
  })
})

describe('docs/config.md', () => {
  it('is up to date with src/config/schema.ts (regenerate: npm run gen-schema)', () => {
    const committed = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8')
    expect(committed).toBe(renderConfigReference())
  })

  it('describes every key of the config', () => {
    expect(undescribedKeys()).toEqual([])
  })

  it('has a section for each kind of object, linked from the keys that hold it', () => {
    const page = renderConfigReference()
    for (const section of ['## `ssh`', '## A host', '## A hook entry', '## `hooks`', '## An environment', '## Duration']) expect(page).toContain(section)
    expect(page).toContain('| `ssh` | [object](#ssh) |')
    expect(page.match(/^## A hook entry$/gm)).toHaveLength(1)
  })

  it('shows examples the schema accepts, one per section', () => {
    const page = renderConfigReference()
    for (const [section, example] of Object.entries(SECTION_EXAMPLES)) {
      expect(page).toContain(`## ${section}`)
      const config = { app: 'shop', environments: { production: {} }, ...(parse(example) as object) }
      expect(configSchema.safeParse(config).error?.issues, section).toBeUndefined()
    }
  })
})

describe('defineConfig', () => {
  it('returns its argument unchanged, typed as a config', () => {
    const config = { app: 'shop', hosts: ['web1'], environments: { production: {} } }
    expect(defineConfig(config)).toBe(config)
    expectTypeOf(defineConfig).parameter(0).toEqualTypeOf<UserConfig>()
    // Defaults are optional in what users write, and hook names are known keys.
    expectTypeOf<{ app: string; environments: {}; hooks: { before_switch: ['x'] } }>().toExtend<UserConfig>()
  })

  it('is what the schema accepts', () => {
    const parsed = configSchema.parse(defineConfig({ app: 'shop', environments: { production: { hosts: ['web1'] } } }))
    expect(parsed).toMatchObject({ keepReleases: 5, strategy: 'upload', branch: 'HEAD', onFailure: 'abort' })
  })
})

describe('allowedKeysAt', () => {
  it('finds the keys of nested objects through lists, unions and records', () => {
    expect(allowedKeysAt(['hooks', 'restart', 0])).toEqual(expect.arrayContaining(['run', 'http', 'timeout']))
    expect(allowedKeysAt(['environments', 'production', 'hosts', 1])).toEqual(['host', 'user', 'port', 'roles', 'primary', 'transport', 'relayAddress'])
    expect(allowedKeysAt(['environments', 'production', 'ssh'])).toEqual(['config', 'forwardAgent', 'strictHostKeyChecking', 'connectTimeout'])
    expect(allowedKeysAt(['nope'])).toEqual([])
  })
})
