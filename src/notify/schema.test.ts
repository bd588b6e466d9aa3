/**
 * The published schema and the documented examples agree: every `json` example in
 * docs/notifications.md that is a notification body validates against
 * schema/notification.schema.json, and the schema refuses what it must.
 */
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
const validate = new Ajv2020({ allErrors: true, validateFormats: false }).compile(JSON.parse(read('schema/notification.schema.json')) as object)
const examples = [...read('docs/notifications.md').matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!) as Record<string, unknown>)
const bodies = examples.filter((example) => 'version' in example)

describe('notification schema', () => {
  it('accepts every documented example body', () => {
    expect(bodies.map((body) => body.event)).toEqual(['start', 'failure', 'rollback', 'lock-broken'])
    for (const body of bodies) expect(validate(body), JSON.stringify(validate.errors)).toBe(true)
  })

  it('refuses a body without its version, an unknown event, or an ending without ok', () => {
    const [start, failure] = bodies
    const { version: _version, ...unversioned } = start!
    expect(validate(unversioned)).toBe(false)
    expect(validate({ ...start, event: 'deployed' })).toBe(false)
    const { ok: _ok, ...withoutOk } = failure!
    expect(validate(withoutOk)).toBe(false)
  })
})
