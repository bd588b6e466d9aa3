import { describe, expect, it } from 'vitest'
import { HookError, RemoteCommandError } from '../errors.js'
import { noRedaction } from './redact.js'
import { formatSummary, type RunSummary } from './summary.js'

const NEW = '20261123T171500-4634f44'
const OLD = '20261101T090000-1a2b3c4'

function failedRun(): RunSummary {
  const npm = new RemoteCommandError({
    host: 'web2',
    step: 'build',
    command: 'npm ci --omit=dev',
    exitCode: 127,
    signal: null,
    outputTail: ['> app@1.0.0 build', 'sh: 1: npm: not found'],
    hint: 'install Node.js on web2, or set `path` in berth.yml',
  })
  const restart = new HookError('after_switch', new RemoteCommandError({ host: 'web3', command: 'systemctl restart app', exitCode: 1, signal: null, outputTail: ['Job for app.service failed.'] }), { host: 'web3', step: 'switch' })
  return {
    kind: 'run:summary',
    command: 'deploy',
    ok: false,
    release: NEW,
    durationMs: 12_300,
    destructive: 'migrations ran, new code is live on 1 of 4 hosts',
    outcomes: [
      { host: 'web1', live: NEW, switched: true },
      { host: 'web2', live: OLD, switched: false, failedStep: 'build', error: npm },
      { host: 'web3', live: NEW, switched: true, failedStep: 'switch', error: restart },
      { host: 'db1', live: null, switched: false },
    ],
  }
}

const plainOptions = { color: false, verbose: false, redact: noRedaction }

describe('formatSummary', () => {
  it('renders the per-host table, the destructive sentence and each failure', () => {
    const lines = formatSummary(failedRun(), plainOptions).split('\n')
    expect(lines[0]).toBe(`✗ deploy of ${NEW} failed after 12.3s: 2 of 4 hosts failed`)
    expect(lines).toContain('  host  live release             result')
    expect(lines).toContain(`  web1  ${NEW}  ✓ switched`)
    expect(lines).toContain(`  web2  ${OLD}  ✗ failed at build`)
    expect(lines).toContain(`  web3  ${NEW}  ✗ failed at switch`)
    expect(lines).toContain('  db1   (none)                   – unchanged')
    expect(lines).toContain('  ⚠ migrations ran, new code is live on 1 of 4 hosts')
  })

  it('names the step, command, explained exit code and last output lines of each failed host', () => {
    const text = formatSummary(failedRun(), plainOptions)
    expect(text).toContain(
      [
        'web2 failed at build:',
        '  $ npm ci --omit=dev',
        '  exit code 127 (command not found: check PATH on the host)',
        '  last 2 lines of output:',
        '  │ > app@1.0.0 build',
        '  │ sh: 1: npm: not found',
        '  hint: install Node.js on web2, or set `path` in berth.yml',
      ].join('\n'),
    )
    expect(text).toContain(['web3 failed at switch:', '  hook after_switch failed', '  $ systemctl restart app', '  exit code 1'].join('\n'))
  })

  it('keeps a successful run short and says "nothing destructive" only when something failed', () => {
    const ok: RunSummary = {
      kind: 'run:summary',
      command: 'deploy',
      ok: true,
      release: NEW,
      durationMs: 4200,
      destructive: 'nothing destructive happened',
      outcomes: [{ host: 'web1', live: NEW, switched: true }],
    }
    const text = formatSummary(ok, plainOptions)
    expect(text.split('\n')[0]).toBe(`✓ deploy of ${NEW} succeeded in 4.2s`)
    expect(text).not.toContain('nothing destructive')
    const failed = formatSummary({ ...ok, ok: false, outcomes: [{ host: 'web1', live: OLD, switched: false, failedStep: 'lock' }] }, plainOptions)
    expect(failed).toContain('  nothing destructive happened')
    expect(failed).toContain('web1 failed at lock:')
  })

  it('warns about the sentence by the level of attention the core found, not by its words', () => {
    const calm: RunSummary = { ...failedRun(), attention: { level: 'none', facts: [{ kind: 'unchanged' }] }, destructive: 'every host kept its release' }
    expect(formatSummary(calm, plainOptions)).toContain('\n  every host kept its release\n')
    const decide: RunSummary = { ...calm, attention: { level: 'decide', facts: [{ kind: 'live-on-some', hosts: ['web1'], total: 4 }] }, destructive: 'nothing destructive happened, or so it seems' }
    expect(formatSummary(decide, plainOptions)).toContain('\n  ⚠ nothing destructive happened, or so it seems\n')
  })

  it('says "ok" rather than "unchanged" for commands that do not switch releases', () => {
    const setup: RunSummary = { kind: 'run:summary', command: 'setup', ok: true, durationMs: 900, destructive: '', outcomes: [{ host: 'web1', live: null, switched: false }] }
    expect(formatSummary(setup, plainOptions)).toContain('  web1  (none)        ✓ ok')
  })

  it('does not count or blame hosts that only stopped because others failed', () => {
    const verify = new RemoteCommandError({ host: 'web2', step: 'verify', command: 'curl -f localhost/health', exitCode: 22, signal: null, outputTail: [] })
    const stopped: RunSummary = {
      ...failedRun(),
      outcomes: [
        { host: 'web1', live: OLD, switched: false, stoppedAt: 'verify' },
        { host: 'web2', live: OLD, switched: false, failedStep: 'verify', error: verify },
        { host: 'web3', live: OLD, switched: false, stoppedAt: 'verify' },
      ],
    }
    const text = formatSummary(stopped, plainOptions)
    expect(text.split('\n')[0]).toBe(`✗ deploy of ${NEW} failed after 12.3s: 1 of 3 hosts failed`)
    expect(text).toContain(`  web1  ${OLD}  – stopped at verify (other hosts failed)`)
    expect(text).toContain(`  web2  ${OLD}  ✗ failed at verify`)
    expect(text).toContain('web2 failed at verify:')
    expect(text).not.toContain('web1 failed')
    expect(text).not.toContain('web3 failed')
  })
})
