import { describe, expect, it } from 'vitest'
import {
  BugError,
  ConfigError,
  HookError,
  HostsFailedError,
  LockHeldError,
  RemoteCommandError,
  TransportError,
  UsageError,
  toBerthError,
} from '../errors.js'
import { stripAnsi } from './ansi.js'
import { formatError, OUTPUT_TAIL_LINES } from './format-error.js'
import { noRedaction } from './redact.js'

const options = { color: false, verbose: false, redact: noRedaction }

function commandError(init: Partial<ConstructorParameters<typeof RemoteCommandError>[0]> = {}): RemoteCommandError {
  return new RemoteCommandError({ host: 'web1', step: 'build', command: 'npm ci', exitCode: 1, signal: null, outputTail: ['npm ERR! missing script'], ...init })
}

describe('formatError', () => {
  it('shows a failed command zx-style: command, explained exit code, last lines, hint', () => {
    const text = formatError(commandError({ exitCode: 127, outputTail: ['sh: 1: npm: not found'], hint: 'install Node.js on the host' }), options)
    expect(text.split('\n')).toEqual([
      '✗ command failed on web1 (step build)',
      '  $ npm ci',
      '  exit code 127 (command not found: check PATH on the host)',
      '  last 1 line of output:',
      '  │ sh: 1: npm: not found',
      'hint: install Node.js on the host',
    ])
  })

  it('explains signals, timeouts, and signal-style exit codes', () => {
    expect(formatError(commandError({ exitCode: null, signal: 'SIGKILL' }), options)).toContain('✗ command killed by SIGKILL on web1')
    expect(formatError(commandError({ exitCode: null, timedOut: true }), options)).toMatch(/command timed out on web1[^]*\n {2}timed out\n/)
    expect(formatError(commandError({ exitCode: 137 }), options)).toContain('exit code 137 (SIGKILL: killed, often by the out-of-memory killer)')
    expect(formatError(commandError({ outputTail: [] }), options)).toContain('  (no output)')
  })

  it('shows the last 20 output lines, or all of them with verbose', () => {
    const outputTail = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`)
    const short = formatError(commandError({ outputTail }), options)
    expect(short).toContain(`last ${OUTPUT_TAIL_LINES} lines of output:`)
    expect(short).not.toContain('│ line 10\n')
    expect(short).toContain('│ line 30')
    expect(formatError(commandError({ outputTail }), { ...options, verbose: true })).toContain('│ line 1\n')
  })

  it('puts each config issue on its own line', () => {
    const error = new ConfigError(
      [
        { file: 'berth.yml', line: 12, path: 'servers.web.hosts', message: 'expected array' },
        { path: 'keepReleases', message: 'must be at least 1' },
      ],
      { hint: 'see berth.yml reference' },
    )
    expect(formatError(error, options).split('\n')).toEqual([
      '✗ invalid configuration (2 problems)',
      '  berth.yml:12 servers.web.hosts: expected array',
      '  keepReleases: must be at least 1',
      'hint: see berth.yml reference',
    ])
  })

  it('names the lock holder and how to proceed', () => {
    const error = new LockHeldError({
      host: 'web1',
      environment: 'production',
      stale: true,
      holder: { user: 'alice', machine: 'laptop', pid: 4242, since: '2026-11-23T17:15:00Z', reason: 'hotfix', command: 'deploy production' },
    })
    const lines = formatError(error, options).split('\n')
    expect(lines[0]).toBe('✗ web1 is locked by alice@laptop (pid 4242) since 2026-11-23T17:15:00Z: "hotfix" (stale: no heartbeat)')
    expect(lines).toContain('  holder is running: deploy production')
    expect(lines).toContain('hint: if that deploy is really gone: berth unlock production --force')
  })

  it('prints one block per failed host for HostsFailedError', () => {
    const error = new HostsFailedError('build', [commandError(), commandError({ host: 'web3', exitCode: 2, outputTail: ['boom'] })], 3)
    const lines = formatError(error, options).split('\n')
    expect(lines[0]).toBe("✗ 2/3 hosts failed at step 'build'")
    expect(lines).toContain('  web1: $ npm ci')
    expect(lines).toContain('  web3: $ npm ci')
    expect(lines).toContain('    exit code 2')
    expect(lines).toContain('    │ boom')
  })

  it('names hook, host and cause for HookError, and walks the cause chain with verbose', () => {
    const error = new HookError('after_switch', commandError({ command: 'npm run x', step: 'switch' }), { host: 'web1', step: 'switch' })
    const text = formatError(error, options)
    expect(text.split('\n').slice(0, 2)).toEqual(['✗ hook after_switch failed on web1 (step switch)', '  $ npm run x'])
    expect(text).not.toContain('caused by')
    const verbose = formatError(error, { ...options, verbose: true })
    expect(verbose).toContain('[HOOK_FAILED]')
    expect(verbose).toContain('caused by: `npm run x` exited with code 1 [REMOTE_COMMAND_FAILED]')
  })

  it('shows a bug with its stack, versions and a request to report it', () => {
    const error = toBerthError(new TypeError('cannot read properties of undefined'))
    expect(error).toBeInstanceOf(BugError)
    const text = formatError(error, { ...options, version: '0.1.0' })
    expect(text).toContain('✗ internal error: cannot read properties of undefined')
    expect(text).toMatch(/\n {2}at /)
    expect(text).toContain(`berth 0.1.0, node ${process.version}`)
    expect(text).toContain('hint: this is a bug in berth: please report it')
  })

  it('shows transport causes without verbose, and usage hints', () => {
    const transport = new TransportError('cannot connect to web1', { host: 'web1', cause: new Error('Connection refused'), hint: 'run `ssh -v deploy@web1`' })
    expect(formatError(transport, options).split('\n')).toEqual(['✗ cannot connect to web1', '  Error: Connection refused', 'hint: run `ssh -v deploy@web1`'])
    const usage = new UsageError('unknown option --frobnicate', { hint: 'berth deploy --help' })
    expect(formatError(usage, options)).toBe('✗ unknown option --frobnicate\nhint: berth deploy --help')
  })

  it('colours only when asked', () => {
    expect(formatError(commandError(), options)).toBe(stripAnsi(formatError(commandError(), options)))
    expect(formatError(commandError(), { ...options, color: true })).toContain('\u001B[')
  })
})
