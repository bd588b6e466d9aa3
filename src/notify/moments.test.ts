import { describe, expect, it } from 'vitest'
import type { BerthEvent } from '../events.js'
import { openRun, startMoment, summaryMoment } from './moments.js'

const summary = (command: string): Extract<BerthEvent, { kind: 'run:summary' }> => ({
  kind: 'run:summary',
  command,
  ok: true,
  release: 'r1',
  outcomes: [{ host: 'web1', live: 'r1', switched: true }],
  destructive: 'nothing needs a person',
  durationMs: 1200,
})

describe('notification moments', () => {
  it('tell of a promote as of a deploy, naming it', () => {
    const open = openRun({ kind: 'run:start', command: 'promote', environment: 'production', hosts: ['web1'], release: 'r1', revision: 'a'.repeat(40), ref: 'main' })!
    expect(startMoment(open, 'shop production')).toMatchObject({ event: 'start', command: 'promote', text: expect.stringContaining('promoting main') })
    expect(summaryMoment(open, summary('promote'), 'shop production')).toMatchObject({ event: 'success', command: 'promote', text: expect.stringContaining('promoted r1') })
  })

  it('say nothing of commands that are not deploys, promotes or rollbacks', () => {
    expect(openRun({ kind: 'run:start', command: 'setup', environment: 'production', hosts: ['web1'] })).toBeNull()
    expect(summaryMoment(null, summary('setup'), 'shop production')).toBeNull()
  })
})
