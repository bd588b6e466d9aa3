import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { BerthEventKind } from '../events.js'
import { formatJsonLine } from './json.js'

const page = readFileSync(new URL('../../docs/json-output.md', import.meta.url), 'utf8')

/** Every event kind, checked by the compiler: a new kind does not compile until it is listed here. */
const KINDS: Record<BerthEventKind, true> = {
  'run:start': true,
  'step:start': true,
  'step:done': true,
  'host:step': true,
  'hook:start': true,
  'hook:done': true,
  output: true,
  log: true,
  'lock:broken': true,
  'release:switched': true,
  'release:removed': true,
  'upload:progress': true,
  'relay:done': true,
  'store:put': true,
  'tag:made': true,
  'maintenance:page': true,
  'run:summary': true,
}

describe('docs/json-output.md', () => {
  it('documents every event kind under a heading of its own', () => {
    const headings = [...page.matchAll(/^### `([^`]+)`$/gm)].map((match) => match[1])
    expect(headings.sort()).toEqual(Object.keys(KINDS).sort())
  })

  it('shows sample lines that are what berth writes: kind and time first, known kinds only', () => {
    const sample = page.slice(page.indexOf('```json') + 7, page.indexOf('```', page.indexOf('```json') + 7))
    const lines = sample.trim().split('\n')
    expect(lines.length).toBeGreaterThan(5)
    for (const line of lines) {
      const object = JSON.parse(line) as { kind: BerthEventKind; time: string }
      expect(Object.keys(KINDS)).toContain(object.kind)
      const { kind: _kind, time, ...fields } = object
      const event = { kind: object.kind, ...fields } as Parameters<typeof formatJsonLine>[0]
      expect(formatJsonLine(event, (text) => text, new Date(time))).toBe(`${line}\n`)
    }
  })
})
