/**
 * The promise every reporter makes: a secret value never reaches the output, wherever it
 * appears in an event (host output, hook commands, error messages, hints, output tails).
 */
import { describe, expect, it } from 'vitest'
import { ConfigError, HookError, HostsFailedError, LockHeldError, RemoteCommandError } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { formatError } from './format-error.js'
import { createRedactor } from './redact.js'
import { createReporter } from './select.js'

const SECRET = 'pa55-w0rd"x\\y'
const TOKEN = 'ghp_abcdefghijklmnop'
const secretValues = [SECRET, TOKEN]

function leakyError(): RemoteCommandError {
  return new RemoteCommandError({
    host: 'web1',
    step: 'migrate',
    command: `DATABASE_URL=postgres://app:${SECRET}@db/app rake db:migrate`,
    exitCode: 1,
    signal: null,
    outputTail: [`connecting with ${SECRET}`, `token ${TOKEN}`],
    hint: `check that ${TOKEN} is still valid`,
  })
}

function leakyEvents(): BerthEvent[] {
  const error = leakyError()
  const hook = new HookError('before_migrate', error, { host: 'web1', step: 'migrate' })
  return [
    { kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1'], ref: TOKEN },
    { kind: 'step:start', step: 'migrate', hosts: ['web1'] },
    { kind: 'hook:start', host: 'web1', hook: 'before_migrate', command: `curl -H "Authorization: ${TOKEN}" x`, local: false },
    { kind: 'output', host: 'web1', stream: 'stdout', line: `password is ${SECRET}` },
    { kind: 'output', host: 'web1', stream: 'stderr', line: `\u001B[31m${TOKEN}\u001B[39m` },
    { kind: 'log', level: 'warn', message: `env has ${SECRET}`, host: 'web1' },
    { kind: 'log', level: 'info', message: `using ${TOKEN}` },
    { kind: 'lock:broken', host: 'web1', holder: 'bob', why: `pid gone ${SECRET}` },
    { kind: 'host:step', host: 'web1', step: 'migrate', status: 'failed', durationMs: 5, error: hook },
    {
      kind: 'run:summary',
      command: 'deploy',
      ok: false,
      durationMs: 10,
      destructive: `migrations ran with ${SECRET}`,
      outcomes: [{ host: 'web1', live: null, switched: false, failedStep: 'migrate', error: hook }],
    },
  ]
}

const modes = [
  { name: 'json', json: true, tty: false, quiet: false },
  { name: 'plain', json: false, tty: false, quiet: false },
  { name: 'plain --quiet', json: false, tty: false, quiet: true },
  { name: 'tty', json: false, tty: true, quiet: false },
]

describe.each(modes)('$name reporter', (mode) => {
  it.each([false, true])('never prints a secret (verbose: %s)', async (verbose) => {
    let out = ''
    const handle = await createReporter({ ...mode, verbose, color: true, secretValues, write: (s) => (out += s) })
    for (const event of leakyEvents()) handle.report(event)
    handle.finish()
    expect(out).toContain('••••••')
    expect(out).not.toContain(SECRET)
    expect(out).not.toContain(TOKEN)
    // Nor a recognisable piece of one, e.g. cut off by truncation or JSON escaping.
    expect(out).not.toContain('pa55-w0')
    expect(out).not.toContain('ghp_abc')
  })
})

describe('formatError redaction', () => {
  const redact = createRedactor(secretValues)
  it.each([
    ['RemoteCommandError', leakyError()],
    ['HookError', new HookError('before_migrate', leakyError(), { host: 'web1' })],
    ['HostsFailedError', new HostsFailedError('migrate', [leakyError()], 2)],
    ['ConfigError', new ConfigError([{ path: 'env.TOKEN', message: `looks wrong: ${TOKEN}` }], { hint: SECRET })],
    ['LockHeldError', new LockHeldError({ host: 'web1', stale: false, environment: 'production', holder: { user: 'bob', machine: 'ci', pid: 1, since: 'now', reason: SECRET, command: TOKEN } })],
  ])('masks secrets in %s', (_name, error) => {
    for (const verbose of [false, true]) {
      const text = formatError(error, { color: true, verbose, redact })
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain(TOKEN)
    }
  })
})
