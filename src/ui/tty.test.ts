import { afterEach, describe, expect, it, vi } from 'vitest'
import { RemoteCommandError } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { noRedaction } from './redact.js'
import { createTtyReporter, type TtyReporterOptions } from './tty.js'

/**
 * Replays what the reporter wrote onto a grid, honouring the few escapes log-update uses
 * (cursor up/down/left, erase line), so tests assert what a person would see.
 */
function renderScreen(output: string): string[] {
  const screen: string[][] = [[]]
  let row = 0
  let col = 0
  const line = (): string[] => (screen[row] ??= [])
  for (let i = 0; i < output.length; i++) {
    const ch = output[i] ?? ''
    if (ch === '\u001B') {
      const match = /^\u001B\[([?\d;]*)([A-Za-z])/.exec(output.slice(i))
      if (match === null) continue
      i += match[0].length - 1
      const n = Number(match[1] || '1')
      if (match[2] === 'A') row = Math.max(0, row - n)
      else if (match[2] === 'B') row += n
      else if (match[2] === 'G') col = 0
      else if (match[2] === 'K') screen[row] = match[1] === '2' ? [] : line().slice(0, col)
      continue
    }
    if (ch === '\n') {
      row++
      col = 0
      line()
      continue
    }
    line()[col++] = ch
  }
  const lines = screen.map((cells) => Array.from(cells, (c) => c ?? ' ').join('').trimEnd())
  while (lines.at(-1) === '') lines.pop()
  return lines
}

function setup(overrides: Partial<TtyReporterOptions> = {}) {
  let out = ''
  let clock = 0
  const handle = createTtyReporter({
    write: (s) => (out += s),
    redact: noRedaction,
    color: false,
    verbose: false,
    quiet: false,
    spinnerIntervalMs: 0,
    // Fixed size, so results do not depend on the terminal the tests run in.
    columns: () => 80,
    rows: () => 24,
    now: () => clock,
    ...overrides,
  })
  return {
    feed(events: BerthEvent[], msBetween = 100) {
      for (const event of events) {
        clock += msBetween
        handle.report(event)
      }
    },
    finish: () => handle.finish(),
    screen: () => renderScreen(out),
    raw: () => out,
  }
}

const failure = new RemoteCommandError({ host: 'web2', step: 'build', command: 'npm ci', exitCode: 127, signal: null, outputTail: ['sh: npm: not found'] })

const deploy: BerthEvent[] = [
  { kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1', 'web2', 'db1'], release: 'R2' },
  { kind: 'step:start', step: 'build', hosts: ['web1', 'web2', 'db1'] },
  { kind: 'output', host: 'web1', stream: 'stdout', line: 'added 12 packages' },
  { kind: 'host:step', host: 'web1', step: 'build', status: 'done', durationMs: 1200 },
  { kind: 'output', host: 'web2', stream: 'stderr', line: 'sh: npm: not found' },
  { kind: 'host:step', host: 'web2', step: 'build', status: 'failed', durationMs: 400, error: failure },
  { kind: 'hook:start', host: 'db1', hook: 'before_build', command: 'make', local: false },
  { kind: 'output', host: 'db1', stream: 'stdout', line: 'compiling assets' },
]

describe('tty reporter', () => {
  it('shows one row per host with its step, state, time and newest output', () => {
    const tty = setup()
    tty.feed(deploy)
    const screen = tty.screen()
    expect(screen[0]).toMatch(/^. deploy production R2 · build · \d/)
    expect(screen).toContain('  web1 ✓ build 1.2s')
    expect(screen).toContain('  web2 ✗ build 400ms  `npm ci` exited with code 127 (command not found)')
    // A running hook's newest line shows live, after its name.
    expect(screen.find((l) => l.startsWith('  db1'))).toMatch(/^ {2}db1 {2}⠋ build 600ms {2}hook before_build · compiling assets$/)
  })

  it('shows only the running hook\'s own output on its row', () => {
    const tty = setup()
    tty.feed([
      ...deploy,
      { kind: 'hook:done', host: 'db1', hook: 'before_build', durationMs: 50 },
      { kind: 'hook:start', host: 'db1', hook: 'build', command: 'true', local: false },
    ])
    expect(tty.screen().find((l) => l.startsWith('  db1'))).toMatch(/hook build$/)
  })

  it('leaves a final frame with every host’s state, then the summary', () => {
    const tty = setup()
    tty.feed(deploy)
    tty.feed([
      { kind: 'hook:done', host: 'db1', hook: 'before_build', durationMs: 50 },
      {
        kind: 'run:summary',
        command: 'deploy',
        ok: false,
        release: 'R2',
        durationMs: 2000,
        destructive: 'nothing destructive happened',
        outcomes: [
          { host: 'web1', live: 'R1', switched: false },
          { host: 'web2', live: 'R1', switched: false, failedStep: 'build', error: failure },
          { host: 'db1', live: 'R1', switched: false },
        ],
      },
    ])
    tty.finish()
    const screen = tty.screen()
    expect(screen[0]).toBe('deploy production R2 · build · 900ms')
    expect(screen).toContain('  web1 ✓ build 1.2s')
    expect(screen).toContain('  web2 ✗ build 400ms  `npm ci` exited with code 127 (command not found)')
    expect(screen).toContain('  db1  ▸ build 800ms  compiling assets')
    expect(screen).toContain('✗ deploy of R2 failed after 2.0s: 1 of 3 hosts failed')
    expect(screen).toContain('  │ sh: npm: not found')
    expect(screen.indexOf('✗ deploy of R2 failed after 2.0s: 1 of 3 hosts failed')).toBeGreaterThan(screen.indexOf('  web1 ✓ build 1.2s'))
  })

  it('prints host output above the live area with verbose', () => {
    const tty = setup({ verbose: true })
    tty.feed(deploy)
    tty.finish()
    const screen = tty.screen()
    const frameAt = screen.findIndex((l) => l.startsWith('deploy production'))
    expect(screen.slice(0, frameAt)).toEqual(['web1 | added 12 packages', 'web2 | sh: npm: not found', 'db1 | hook before_build: make', 'db1 | compiling assets'])
  })

  it('keeps every line within a narrow terminal', () => {
    const tty = setup({ columns: () => 28 })
    tty.feed(deploy)
    tty.finish()
    const frame = tty.screen()
    for (const line of frame) expect([...line].length).toBeLessThanOrEqual(27)
    expect(frame).toContain('  web1 ✓ build')
    expect(frame).toContain('  web2 ✗ build')
  })

  it('collapses hosts that do not fit the terminal height, keeping failures visible', () => {
    const hosts = Array.from({ length: 12 }, (_, i) => `app${i + 1}`)
    const tty = setup({ rows: () => 8 })
    tty.feed([
      { kind: 'run:start', command: 'deploy', environment: 'production', hosts },
      ...hosts.map((host): BerthEvent => ({ kind: 'host:step', host, step: 'build', status: 'done', durationMs: 10 })),
      { kind: 'host:step', host: 'app12', step: 'build', status: 'failed', durationMs: 10 },
    ])
    tty.finish()
    const screen = tty.screen()
    expect(screen.length).toBeLessThanOrEqual(7)
    expect(screen.some((l) => l.startsWith('  app12 ✗'))).toBe(true)
    expect(screen.at(-1)).toBe('  … 8 more hosts: 8 done')
  })

  it('prints plain lines, and no live area, for commands without host activity', () => {
    const tty = setup()
    tty.feed([
      { kind: 'run:start', command: 'releases', environment: 'production', hosts: ['web1'] },
      { kind: 'log', level: 'info', message: 'web1  R2 (current)' },
      { kind: 'log', level: 'warn', message: 'web2 disagrees' },
      { kind: 'output', host: 'web1', stream: 'stdout', line: 'uptime 3 days' },
    ])
    tty.finish()
    expect(tty.raw()).toBe('web1  R2 (current)\n⚠ web2 disagrees\nweb1 | uptime 3 days\n')
  })
})

describe('tty reporter spinner', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('animates while hosts run and stops on finish', () => {
    vi.useFakeTimers()
    const tty = setup({ spinnerIntervalMs: 80 })
    tty.feed(deploy.slice(0, 2))
    const first = tty.screen()[0]
    vi.advanceTimersByTime(80)
    expect(tty.screen()[0]).not.toBe(first)
    tty.finish()
    const after = tty.raw()
    vi.advanceTimersByTime(1000)
    expect(tty.raw()).toBe(after)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('writes queued scrollback lines on the next tick, above the live area', () => {
    vi.useFakeTimers()
    const tty = setup({ spinnerIntervalMs: 80, verbose: true })
    tty.feed(deploy.slice(0, 3))
    expect(tty.screen()).not.toContain('web1 | added 12 packages')
    vi.advanceTimersByTime(80)
    expect(tty.screen()[0]).toBe('web1 | added 12 packages')
    tty.feed([{ kind: 'log', level: 'warn', message: 'low disk' }])
    tty.finish()
    const screen = tty.screen()
    expect(screen[1]).toBe('⚠ low disk')
    expect(screen[2]).toMatch(/^deploy production R2/)
  })
})
