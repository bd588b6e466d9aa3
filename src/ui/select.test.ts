import { describe, expect, it } from 'vitest'
import type { BerthEvent } from '../events.js'
import { createReporter, type ReporterChoice } from './select.js'

const events: BerthEvent[] = [
  { kind: 'run:start', command: 'deploy', environment: 'staging', hosts: ['web1'] },
  { kind: 'host:step', host: 'web1', step: 'build', status: 'start' },
  { kind: 'host:step', host: 'web1', step: 'build', status: 'done', durationMs: 10 },
]

async function outputOf(choice: Partial<ReporterChoice>): Promise<string> {
  let out = ''
  const base: ReporterChoice = { json: false, tty: false, quiet: false, verbose: false, color: false, secretValues: [], write: (s) => (out += s) }
  const handle = await createReporter({ ...base, ...choice })
  for (const event of events) handle.report(event)
  handle.finish()
  return out
}

describe('createReporter', () => {
  it('prefers json, even on a terminal, and never colours it', async () => {
    const out = await outputOf({ json: true, tty: true, color: true })
    expect(JSON.parse(out.split('\n')[0] ?? '')).toMatchObject({ kind: 'run:start' })
    expect(out).not.toContain('\u001B[3')
  })

  it('uses the live view on a terminal', async () => {
    expect(await outputOf({ tty: true })).toContain('\u001B[2K')
  })

  it('uses plain lines off a terminal, and with --quiet on one', async () => {
    expect(await outputOf({})).toContain('web1 | ✓ build (10ms)')
    const quiet = await outputOf({ tty: true, quiet: true })
    expect(quiet).not.toContain('\u001B[2K')
    expect(quiet).toBe('')
  })
})
