import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, HOSTILE_VALUES, sh, type Sandbox } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { appendHistoryLine, readHistory } from './history.js'

let box: Sandbox | undefined
afterEach(() => box?.cleanup())

describe('history', () => {
  it('appends one JSON line, creating .berth when needed; reads the last lines', () => {
    const layout = layoutFor('/srv/shop')
    expect(appendHistoryLine(layout, JSON.stringify({ kind: 'deploy', ref: "it's" }))).toBe(
      `{ [ -d /srv/shop/.berth ] || mkdir -p /srv/shop/.berth; } && printf '%s\\n' '{"kind":"deploy","ref":"it'\\''s"}' >> /srv/shop/.berth/history.jsonl`,
    )
    expect(readHistory(layout, 100)).toBe('[ -f /srv/shop/.berth/history.jsonl ] && tail -n 100 /srv/shop/.berth/history.jsonl || true')
  })

  it('keeps every value of an entry as data, in a hostile path, and reads back only the last lines', () => {
    box = createSandbox()
    const layout = layoutFor(box.deployTo)
    const run = (text: string) => sh(text, { cwd: box!.base })
    expect(run(readHistory(layout, 5))).toEqual({ code: 0, stdout: '', stderr: '' })
    const entries = HOSTILE_VALUES.map((value, i) => ({ kind: 'deploy', at: String(i), ref: value, user: value }))
    for (const entry of entries) expect(run(appendHistoryLine(layout, JSON.stringify(entry))).code).toBe(0)
    const lines = readFileSync(layout.history, 'utf8').trimEnd().split('\n')
    expect(lines.map((line) => JSON.parse(line))).toEqual(entries)
    expect(run(readHistory(layout, 2)).stdout).toBe(`${lines.slice(-2).join('\n')}\n`)
    expect(box.pwned()).toEqual([])
  })
})
