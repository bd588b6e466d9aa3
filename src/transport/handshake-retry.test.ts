import { afterEach, describe, expect, it, vi } from 'vitest'
import { HANDSHAKE_RETRY, backoffMs, isDroppedHandshake, retryDroppedHandshake } from './handshake-retry.js'

describe('dropped handshakes', () => {
  // What OpenSSH 9.2 printed here when a bastion's sshd dropped connections past MaxStartups.
  it.each([
    'kex_exchange_identification: read: Connection reset by peer\nConnection reset by 127.0.0.50 port 2222',
    'kex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535',
    'ssh_exchange_identification: Connection closed by remote host',
    'Connection closed by 127.0.0.50 port 2222',
    'channel 0: open failed: connect failed\nConnection reset by peer',
  ])('are retried: %j', (stderr) => {
    expect(isDroppedHandshake(stderr)).toBe(true)
  })

  it.each([
    'Host key verification failed.\nConnection closed by UNKNOWN port 65535',
    'deploy@127.0.0.11: Permission denied (publickey).',
    'No ED25519 host key is known for [127.0.0.11]:2222 and you have requested strict checking.\nHost key verification failed.',
    'Received disconnect from 127.0.0.11 port 22:2: Too many authentication failures\nConnection closed by 127.0.0.11 port 22',
    'ssh: connect to host 127.0.0.11 port 22: Connection refused',
    // A jump host that is down.
    'ssh: connect to host 127.0.1.50 port 2222: Connection refused\r\nConnection closed by UNKNOWN port 65535',
    'ssh: Could not resolve hostname nowhere: Name or service not known',
    'stdio forwarding failed',
    '',
  ])('are not, when the server answered or was never reached: %j', (stderr) => {
    expect(isDroppedHandshake(stderr)).toBe(false)
  })
})

describe('backoff', () => {
  it('waits between half the bound and the bound, the bound doubling up to its cap', () => {
    const policy = { attempts: 5, baseMs: 100, maxMs: 500 }
    expect([0, 1, 2, 3].map((retry) => backoffMs(policy, retry, () => 0))).toEqual([50, 100, 200, 250])
    expect([0, 1, 2, 3].map((retry) => backoffMs(policy, retry, () => 1))).toEqual([100, 200, 400, 500])
  })
})

describe('retrying a dropped handshake', () => {
  afterEach(() => void vi.useRealTimers())
  const dropped = Object.assign(new Error('dropped'), { stderr: 'kex_exchange_identification: read: Connection reset by peer' })
  const stderrOf = (error: unknown) => (error as { stderr?: string }).stderr

  it('tries again after a jittered wait, and succeeds', async () => {
    vi.useFakeTimers()
    const attempt = vi.fn().mockRejectedValueOnce(dropped).mockRejectedValueOnce(dropped).mockResolvedValue('up')
    const waits: number[] = []
    const result = retryDroppedHandshake(attempt, stderrOf, { random: () => 0.5, onRetry: (_, ms) => waits.push(ms) })
    await vi.advanceTimersByTimeAsync(224)
    expect(attempt).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(attempt).toHaveBeenCalledTimes(2)
    await vi.runAllTimersAsync()
    await expect(result).resolves.toBe('up')
    expect(waits).toEqual([225, 450])
  })

  it('gives up after the policy\'s tries with the last error', async () => {
    vi.useFakeTimers()
    const attempt = vi.fn().mockRejectedValue(dropped)
    const result = retryDroppedHandshake(attempt, stderrOf)
    result.catch(() => {})
    await vi.runAllTimersAsync()
    await expect(result).rejects.toBe(dropped)
    expect(attempt).toHaveBeenCalledTimes(HANDSHAKE_RETRY.attempts)
  })

  it('never retries an authentication failure, nor an error ssh said nothing about', async () => {
    const denied = Object.assign(new Error('denied'), { stderr: 'Permission denied (publickey).\nConnection closed by 127.0.0.50 port 22' })
    const once = vi.fn().mockRejectedValue(denied)
    await expect(retryDroppedHandshake(once, stderrOf)).rejects.toBe(denied)
    expect(once).toHaveBeenCalledTimes(1)
    const silent = vi.fn().mockRejectedValue(new Error('spawn ssh ENOENT'))
    await expect(retryDroppedHandshake(silent, stderrOf)).rejects.toThrow('ENOENT')
    expect(silent).toHaveBeenCalledTimes(1)
  })
})
