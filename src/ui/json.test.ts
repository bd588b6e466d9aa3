import { describe, expect, it } from 'vitest'
import { RemoteCommandError } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { createJsonReporter } from './json.js'
import { noRedaction } from './redact.js'

const TIME = new Date('2026-11-23T17:15:00.000Z')

function collect(events: BerthEvent[]): Array<Record<string, unknown>> {
  let out = ''
  const handle = createJsonReporter({ write: (s) => (out += s), redact: noRedaction, color: false, verbose: false, quiet: true, now: () => TIME })
  for (const event of events) handle.report(event)
  handle.finish()
  expect(out.endsWith('\n')).toBe(true)
  return out.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
}

const failure = new RemoteCommandError({ host: 'web2', step: 'build', command: 'npm ci', exitCode: 127, signal: null, outputTail: ['not found'], hint: 'install node' })

describe('json reporter', () => {
  it('writes one parseable object per event, kind and time first, regardless of quiet', () => {
    const events: BerthEvent[] = [
      { kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1'] },
      { kind: 'output', host: 'web1', stream: 'stdout', line: 'hello "world"' },
      { kind: 'step:done', step: 'build', hosts: ['web1'], durationMs: 12 },
    ]
    const lines = collect(events)
    expect(lines).toEqual(events.map((event) => ({ ...event, time: TIME.toISOString() })))
    expect(Object.keys(lines[0] ?? {}).slice(0, 2)).toEqual(['kind', 'time'])
  })

  it('serialises errors as plain objects without stacks', () => {
    const [step, summary] = collect([
      { kind: 'host:step', host: 'web2', step: 'build', status: 'failed', durationMs: 5, error: failure },
      { kind: 'run:summary', command: 'deploy', ok: false, destructive: 'nothing destructive happened', durationMs: 9, outcomes: [{ host: 'web2', live: null, switched: false, failedStep: 'build', error: failure }] },
    ])
    const expected = {
      name: 'RemoteCommandError',
      code: 'REMOTE_COMMAND_FAILED',
      message: '`npm ci` exited with code 127 (command not found)',
      exitCode: 1,
      host: 'web2',
      step: 'build',
      hint: 'install node',
      command: 'npm ci',
      commandExitCode: 127,
      signal: null,
      timedOut: false,
      outputTail: ['not found'],
    }
    expect(step?.error).toEqual(expected)
    expect((summary?.outcomes as Array<Record<string, unknown>>)[0]?.error).toEqual(expected)
    expect(JSON.stringify([step, summary])).not.toContain('stack')
  })
})
