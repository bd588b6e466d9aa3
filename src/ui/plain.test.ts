import { describe, expect, it } from 'vitest'
import { RemoteCommandError } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { createPlainReporter } from './plain.js'
import { noRedaction } from './redact.js'

function capture(overrides: { quiet?: boolean; verbose?: boolean } = {}) {
  let out = ''
  const handle = createPlainReporter({ write: (s) => (out += s), redact: noRedaction, color: false, verbose: false, quiet: false, ...overrides })
  return {
    feed(events: BerthEvent[]) {
      for (const event of events) handle.report(event)
      handle.finish()
      return out.split('\n')
    },
  }
}

const npmFailed = new RemoteCommandError({ host: 'web2', step: 'build', command: 'npm ci', exitCode: 1, signal: null, outputTail: ['npm ERR! boom'] })

const run: BerthEvent[] = [
  { kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1', 'web2', 'database'], release: 'R2', ref: 'main', revision: '4634f44aabbccdd' },
  { kind: 'step:start', step: 'fetch', hosts: [] },
  { kind: 'step:done', step: 'fetch', hosts: [], durationMs: 850 },
  { kind: 'host:step', host: 'web1', step: 'build', status: 'start' },
  { kind: 'hook:start', host: 'web1', hook: 'before_build', command: 'npm ci', local: false },
  { kind: 'output', host: 'web1', stream: 'stdout', line: 'added 12 packages' },
  { kind: 'hook:done', host: 'web1', hook: 'before_build', durationMs: 300 },
  { kind: 'host:step', host: 'web1', step: 'build', status: 'done', durationMs: 1200 },
  { kind: 'host:step', host: 'web2', step: 'build', status: 'start' },
  { kind: 'output', host: 'web2', stream: 'stderr', line: 'npm ERR! boom' },
  { kind: 'host:step', host: 'web2', step: 'build', status: 'failed', durationMs: 400, error: npmFailed },
  { kind: 'log', level: 'warn', message: 'disk 91% full', host: 'database' },
  { kind: 'log', level: 'info', message: 'skipping migrations' },
  { kind: 'release:switched', host: 'web1', from: 'R1', to: 'R2' },
  { kind: 'release:removed', host: 'web1', release: 'R0' },
  { kind: 'upload:progress', host: 'web1', bytes: 3482, files: 12 },
  {
    kind: 'run:summary',
    command: 'deploy',
    ok: false,
    release: 'R2',
    durationMs: 5000,
    destructive: 'nothing destructive happened',
    outcomes: [
      { host: 'web1', live: 'R2', switched: true },
      { host: 'web2', live: 'R1', switched: false, failedStep: 'build', error: npmFailed },
      { host: 'database', live: 'R1', switched: false },
    ],
  },
]

describe('plain reporter', () => {
  it('closes a step with ✗ and the count when some of its hosts failed', () => {
    const lines = capture().feed([
      { kind: 'step:start', step: 'connect', hosts: ['web1', 'web2', 'web3'] },
      { kind: 'host:step', host: 'web2', step: 'connect', status: 'failed', durationMs: 200, error: npmFailed },
      { kind: 'host:step', host: 'web1', step: 'connect', status: 'done', durationMs: 250 },
      { kind: 'step:done', step: 'connect', hosts: ['web1', 'web2', 'web3'], durationMs: 260 },
      { kind: 'step:start', step: 'switch', hosts: ['web1'] },
      { kind: 'step:done', step: 'switch', hosts: ['web1'], durationMs: 40 },
    ])
    expect(lines).toContain('✗ connect failed on 1 of 3 hosts (260ms)')
    expect(lines).toContain('✓ switch (40ms)')
  })

  it('does not repeat a host\'s line as the step\'s closing line when the run has one host', () => {
    const lines = capture().feed([
      { kind: 'run:start', command: 'deploy', environment: 'demo', hosts: ['localhost'], release: 'R2' },
      { kind: 'step:start', step: 'switch', hosts: ['localhost'] },
      { kind: 'host:step', host: 'localhost', step: 'switch', status: 'done', durationMs: 13 },
      { kind: 'step:done', step: 'switch', hosts: ['localhost'], durationMs: 14 },
    ])
    expect(lines).toContain('localhost | ✓ switch (13ms)')
    expect(lines.filter((line) => line.includes('switch'))).toHaveLength(1)
  })

  it('warns of the hosts a relay could not reach, and says what it relayed only with verbose', () => {
    const failed: BerthEvent = { kind: 'relay:done', host: 'web1', hosts: ['web1', 'web2', 'web3'], failed: ['web3'], bytes: 2048, durationMs: 900 }
    const fine: BerthEvent = { kind: 'relay:done', host: 'web4', hosts: ['web4', 'web5'], failed: [], bytes: 2048, durationMs: 900 }
    expect(capture().feed([failed, fine]).join('\n')).toMatch(/web1 \| ⚠ relayed 2(\.0)? KB to 2 of 3 hosts; could not reach web3\n?$/)
    expect(capture({ verbose: true }).feed([fine]).join('\n')).toMatch(/web4 \| relayed 2(\.0)? KB to web4, web5/)
  })

  it('prefixes host lines with the host padded to a common width', () => {
    const lines = capture().feed(run)
    expect(lines).toEqual(
      expect.arrayContaining([
        'deploy production R2 (main @ 4634f44) on web1, web2, database',
        '▸ fetch',
        '✓ fetch (850ms)',
        'web1     | ▸ build',
        'web1     | hook before_build: npm ci',
        'web1     | added 12 packages',
        'web1     | ✓ build (1.2s)',
        'web2     | npm ERR! boom',
        'web2     | ✗ build (400ms): `npm ci` exited with code 1',
        'database | ⚠ disk 91% full',
        'skipping migrations',
        'web1     | ⇢ current → R2 (was R1)',
        'web1     | removed release R0',
        '✗ deploy of R2 failed after 5.0s: 1 of 3 hosts failed',
      ]),
    )
    expect(lines.join('\n')).not.toContain('hook before_build (300ms)')
    expect(lines.join('\n')).not.toContain('uploaded')
  })

  it('adds hook completions and upload progress with verbose', () => {
    const text = capture({ verbose: true }).feed(run).join('\n')
    expect(text).toContain('web1     | ✓ hook before_build (300ms)')
    expect(text).toContain('web1     | received 12 new or changed files, 3.4 KB')
  })

  it('in quiet mode prints only warnings, failures, failed hosts’ output and the summary', () => {
    const lines = capture({ quiet: true }).feed(run)
    expect(lines).not.toContain('web1     | ▸ build')
    expect(lines).not.toContain('web1     | added 12 packages')
    expect(lines).not.toContain('skipping migrations')
    expect(lines).toContain('database | ⚠ disk 91% full')
    expect(lines).toContain('web2     | ✗ build (400ms): `npm ci` exited with code 1')
    const outputAt = lines.indexOf('output of web2:')
    expect(outputAt).toBeGreaterThan(-1)
    expect(lines[outputAt + 1]).toBe('web2     | npm ERR! boom')
    expect(lines.findIndex((line) => line.startsWith('✗ deploy'))).toBeGreaterThan(outputAt)
  })

  it('in quiet mode still shows failed hosts’ output when the run ends without a summary', () => {
    const lines = capture({ quiet: true }).feed(run.filter((e) => e.kind !== 'run:summary'))
    expect(lines).toContain('output of web2:')
    expect(lines).not.toContain('output of web1:')
  })

  it('says where the maintenance page went up and down (not a page left as it was: its warning says that), and the tag made', () => {
    const lines = capture().feed([
      { kind: 'maintenance:page', host: 'web1', page: 'up', path: '/srv/shop/shared/public/maintenance.html' },
      { kind: 'maintenance:page', host: 'web2', page: 'kept', path: '/srv/shop/shared/public/maintenance.html' },
      { kind: 'maintenance:page', host: 'web1', page: 'down', path: '/srv/shop/shared/public/maintenance.html' },
      { kind: 'tag:made', tag: '203001.4', sha: '4634f44a0e9c1b2d3e4f5a6b7c8d9e0f1a2b3c4d' },
      { kind: 'tag:made', tag: '203001.5', sha: '4634f44a0e9c1b2d3e4f5a6b7c8d9e0f1a2b3c4d', pushedTo: 'origin' },
    ])
    expect(lines.filter((line) => line !== '')).toEqual([
      'web1 | maintenance page up: /srv/shop/shared/public/maintenance.html',
      'web1 | maintenance page down: /srv/shop/shared/public/maintenance.html',
      'tagged 4634f44a0e9c as 203001.4',
      'tagged 4634f44a0e9c as 203001.5 and pushed it to origin',
    ])
    expect(capture({ quiet: true }).feed([{ kind: 'tag:made', tag: '203001.4', sha: '4634f44a0e9c' }]).filter((line) => line !== '')).toEqual([])
  })

  it('marks local hooks and strips colour and carriage returns from output without colour', () => {
    const lines = capture().feed([
      { kind: 'hook:start', host: 'web1', hook: 'before_fetch', command: 'make assets', local: true },
      { kind: 'output', host: 'web1', stream: 'stdout', line: '\u001B[32m10%\r50%\r100%\u001B[39m\r' },
    ])
    expect(lines).toEqual(['web1 | hook before_fetch (local): make assets', 'web1 | 100%', ''])
  })
})
