/**
 * The command line of `npm run bench` (documented at the top of scripts/bench.ts), parsed
 * once into options; a wrong value stops the run before anything is built or mounted.
 */
import { join } from 'node:path'
import { MODES, type Mode } from './modes.js'

/** A wrong command line or baseline: said in one line, without a stack trace. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError'
}

/** The fleet's addresses: web hosts on 127.0.0.11–110. */
export const MAX_HOSTS = 100

export interface BenchOptions {
  hostCounts: number[]
  /** berth's delivery modes to measure (`--via`). @default all three */
  via: Mode[]
  /** Also run direct behind one default-configured bastion at every host count (by default only from 100 hosts). @default false */
  bastion: boolean
  runs: number
  tmpfs: boolean
  out: string
  /** Where the scale model goes (`docs/scale.md` beside `out`). */
  scaleOut: string
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
  const options: BenchOptions = {
    hostCounts: [10, 100],
    via: [...MODES],
    bastion: false,
    runs: 3,
    tmpfs: true,
    out: join(root, 'docs', 'benchmarks.md'),
    scaleOut: join(root, 'docs', 'scale.md'),
    mode: 'full',
    skipPeers: false,
  }
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
      if (options.hostCounts.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_HOSTS)) throw new BenchUsageError(`--hosts: expected counts from 1 to ${MAX_HOSTS}, got ${text}`)
      modes.push(`--hosts ${text}`)
    } else if (arg === '--via') {
      const text = value()
      const via = text.split(',')
      const unknown = via.find((mode) => !(MODES as readonly string[]).includes(mode))
      if (unknown !== undefined) throw new BenchUsageError(`--via: expected ${MODES.join(', ')} (a list works too), got ${unknown}`)
      options.via = MODES.filter((mode) => via.includes(mode))
      modes.push(`--via ${text}`)
    } else if (arg === '--bastion') {
      options.bastion = true
      modes.push('--bastion')
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
    else if (arg === '--scale-out') options.scaleOut = value()
    else if (arg === '--render') options.render = value()
    else throw new BenchUsageError(`unknown option ${arg} (see the top of scripts/bench.ts)`)
  }
  if (options.baselineDir !== undefined && options.baselineRef !== undefined) {
    throw new BenchUsageError('--baseline and --baseline-ref both name the baseline: give one of them')
  }
  options.mode = modes.length === 0 ? 'full: 10 and 100 hosts, direct, relay and store, 3 runs' : modes.join(' ')
  return options
}
