import { describe, expect, it } from 'vitest'
import { ConfigError, HookError, HostsFailedError, LockHeldError, RemoteCommandError } from './errors.js'
import { serializeError } from './errors-json.js'

const failure = new RemoteCommandError({ host: 'web2', step: 'build', command: 'npm ci', exitCode: 127, signal: null, outputTail: ['not found'], hint: 'install node' })

describe('serializeError', () => {
  it('keeps each class’s details, nested errors and causes', () => {
    const hook = serializeError(new HookError('after_switch', failure, { host: 'web2', step: 'switch' }))
    expect(hook).toMatchObject({ code: 'HOOK_FAILED', hook: 'after_switch', cause: { code: 'REMOTE_COMMAND_FAILED', command: 'npm ci' } })
    const config = serializeError(new ConfigError([{ path: 'a.b', message: 'bad', line: 3 }]))
    expect(config).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2, issues: [{ path: 'a.b', message: 'bad', line: 3 }] })
    const hosts = serializeError(new HostsFailedError('build', [failure], 2))
    expect(hosts).toMatchObject({ code: 'HOSTS_FAILED', step: 'build', errors: [{ host: 'web2', commandExitCode: 127 }] })
  })

  it('leaves the lock token (and the gate host of its run) out', () => {
    const holder = { user: 'alice', machine: 'laptop', pid: 1, since: 'now', token: 'tok-123456', gate: 'web-gate' }
    const lock = serializeError(new LockHeldError({ host: 'web1', holder, stale: false, environment: 'production' }))
    expect(lock).toMatchObject({ code: 'LOCKED', exitCode: 3, stale: false, holder: { user: 'alice', pid: 1 } })
    expect(JSON.stringify(lock)).not.toContain('tok-123456')
    expect(JSON.stringify(lock)).not.toContain('web-gate')
  })
})
