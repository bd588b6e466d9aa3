/**
 * The command line of `npm run bench` (documented at the top of scripts/bench.ts), parsed
 * once into options; a wrong value stops the run before anything is built or mounted.
 */
import { join } from 'node:path'

/** A wrong command line or baseline: said in one line, without a stack trace. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError'
}

export interface BenchOptions {
  hostCounts: number[]
  runs: number
  tmpfs: boolean
  out: string
  /** How the run was asked for, as the report's first line says it. */
  mode: string
  /** Re-render the markdown from a saved JSON result instead of running. */
  render?: string
  /** Leave Capistrano and shipit-deploy out: neither installed nor measured. @default false */
  skipPeers: boolean
  /** A built checkout of an earlier berth, measured as one more tool (`--baseline DIR`). */
  baselineDir?: string
  /** A commit of this repository to check out, build and measure as the baseline (`--baseline-ref REF`). */
  baselineRef?: string
  /** Only the dependency scenario (`bench/deps.ts`): berth with and without an install hook and `reuse`. @default false */
  deps?: boolean
}

export function parseBenchArgs(argv: string[], root: string): BenchOptions {
  const options: BenchOptions = { hostCounts: [1, 10, 25], runs: 3, tmpfs: true, out: join(root, 'docs', 'benchmarks.md'), mode: 'full', skipPeers: false }
  const modes: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const next = argv[++i]
      if (next === undefined || next.startsWith('--')) throw new BenchUsageError(`${arg} needs a value`)
      return next
    }
    if (arg === '--quick') {
      options.runs = 1
      options.hostCounts = [10]
      modes.push('--quick')
    } else if (arg === '--hosts') {
      const text = value()
      options.hostCounts = text.split(',').map(Number)
      if (options.hostCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 38)) throw new BenchUsageError(`--hosts: expected counts from 1 to 38, got ${text}`)
      modes.push(`--hosts ${text}`)
    } else if (arg === '--runs') {
      options.runs = Number(value())
      if (!Number.isInteger(options.runs) || options.runs < 1) throw new BenchUsageError('--runs: expected a positive integer')
      modes.push(`--runs ${options.runs}`)
    } else if (arg === '--no-tmpfs') {
      options.tmpfs = false
      modes.push('--no-tmpfs')
    } else if (arg === '--no-peers') {
      options.skipPeers = true
      modes.push('--no-peers')
    } else if (arg === '--baseline') {
      options.baselineDir = value()
      modes.push(`--baseline ${options.baselineDir}`)
    } else if (arg === '--baseline-ref') {
      options.baselineRef = value()
      modes.push(`--baseline-ref ${options.baselineRef}`)
    } else if (arg === '--deps') {
      options.deps = true
      if (!argv.includes('--out')) options.out = join(root, 'docs', 'benchmarks-deps.md')
    } else if (arg === '--out') options.out = value()
    else if (arg === '--render') options.render = value()
    else throw new BenchUsageError(`unknown option ${arg} (see the top of scripts/bench.ts)`)
  }
  if (options.baselineDir !== undefined && options.baselineRef !== undefined) {
    throw new BenchUsageError('--baseline and --baseline-ref both name the baseline: give one of them')
  }
  options.mode = modes.length === 0 ? 'full: 1, 10 and 25 hosts, 3 runs' : modes.join(' ')
  return options
}
