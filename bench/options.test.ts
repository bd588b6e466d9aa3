import { describe, expect, it } from 'vitest'
import { parseBenchArgs } from './options.js'

const ROOT = '/repo'

describe('parseBenchArgs', () => {
  it('keeps the full run, with peers and without a baseline, when nothing is given', () => {
    const options = parseBenchArgs([], ROOT)
    expect(options).toEqual({
      hostCounts: [10, 100],
      via: ['direct', 'relay', 'store'],
      bastion: false,
      runs: 3,
      tmpfs: true,
      out: '/repo/docs/benchmarks.md',
      scaleOut: '/repo/docs/scale.md',
      mode: 'full: 10 and 100 hosts, direct, relay and store, 3 runs',
      skipPeers: false,
    })
  })

  it('reads a quick before/after run and says so in the mode', () => {
    const options = parseBenchArgs(['--hosts', '2', '--runs', '1', '--no-peers', '--baseline-ref', 'HEAD~1', '--out', '/tmp/b.md'], ROOT)
    expect(options.hostCounts).toEqual([2])
    expect(options.skipPeers).toBe(true)
    expect(options.baselineRef).toBe('HEAD~1')
    expect(options.baselineDir).toBeUndefined()
    expect(options.out).toBe('/tmp/b.md')
    expect(options.mode).toBe('--hosts 2 --runs 1 --no-peers --baseline-ref HEAD~1')
  })

  it('reads a built checkout as the baseline', () => {
    const options = parseBenchArgs(['--baseline', '../berth-main'], ROOT)
    expect(options.baselineDir).toBe('../berth-main')
    expect(options.mode).toBe('--baseline ../berth-main')
  })

  it('refuses two baselines at once', () => {
    expect(() => parseBenchArgs(['--baseline', '/a', '--baseline-ref', 'main'], ROOT)).toThrow('--baseline and --baseline-ref both name the baseline: give one of them')
  })

  it('does not take the next option as a value', () => {
    expect(() => parseBenchArgs(['--baseline', '--no-peers'], ROOT)).toThrow('--baseline needs a value')
    expect(() => parseBenchArgs(['--baseline-ref'], ROOT)).toThrow('--baseline-ref needs a value')
  })

  it('runs only the dependency scenario with --deps, into its own report', () => {
    const options = parseBenchArgs(['--deps', '--hosts', '3', '--runs', '2'], ROOT)
    expect(options).toMatchObject({ deps: true, hostCounts: [3], runs: 2, out: '/repo/docs/benchmarks-deps.md', mode: '--hosts 3 --runs 2' })
    expect(parseBenchArgs(['--out', '/tmp/d.md', '--deps'], ROOT).out).toBe('/tmp/d.md')
  })

  it('reads the delivery modes and host counts up to the fleet\'s 100', () => {
    const options = parseBenchArgs(['--via', 'store,direct', '--hosts', '10,100', '--bastion'], ROOT)
    expect(options).toMatchObject({ via: ['direct', 'store'], hostCounts: [10, 100], bastion: true, mode: '--via store,direct --hosts 10,100 --bastion' })
    expect(() => parseBenchArgs(['--via', 'direct,rsync'], ROOT)).toThrow('--via: expected direct, relay, store (a list works too), got rsync')
    expect(() => parseBenchArgs(['--hosts', '101'], ROOT)).toThrow('--hosts: expected counts from 1 to 100, got 101')
  })

  it('rejects an unknown option', () => {
    expect(() => parseBenchArgs(['--peers'], ROOT)).toThrow('unknown option --peers')
  })
})
