import { describe, expect, it } from 'vitest'
import { parseBenchArgs } from './options.js'

const ROOT = '/repo'

describe('parseBenchArgs', () => {
  it('keeps the full run, with peers and without a baseline, when nothing is given', () => {
    const options = parseBenchArgs([], ROOT)
    expect(options).toEqual({ hostCounts: [1, 10, 25], runs: 3, tmpfs: true, out: '/repo/docs/benchmarks.md', mode: 'full: 1, 10 and 25 hosts, 3 runs', skipPeers: false })
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

  it('rejects an unknown option', () => {
    expect(() => parseBenchArgs(['--peers'], ROOT)).toThrow('unknown option --peers')
  })
})
