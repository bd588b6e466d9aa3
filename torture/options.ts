/**
 * The torture's command line: `npm run torture -- [--runs N | --minutes M] [--seed S] [--hosts N]`.
 * Bad input is refused before anything starts (exit 2), like berth's own flags.
 */
export interface TortureOptions {
  /** Stop after this many runs (each deploy or rollback, a race counts as one). */
  runs: number | null
  /** Stop starting runs after this many minutes. */
  minutes: number | null
  seed: number
  hosts: number
}

export const USAGE = 'usage: npm run torture -- [--runs N | --minutes M] [--seed S] [--hosts N (3-8)]'

export function parseOptions(argv: readonly string[], defaultSeed: () => number): TortureOptions {
  const options: TortureOptions = { runs: null, minutes: null, seed: defaultSeed(), hosts: 3 }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!
    const value = argv[i + 1]
    const whole = (min: number, max: number): number => {
      if (value === undefined || !/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        throw new Error(`${flag} needs a whole number from ${min} to ${max}, got ${value === undefined ? 'nothing' : `"${value}"`}`)
      }
      i++
      return Number(value)
    }
    if (flag === '--runs') options.runs = whole(1, 100_000)
    else if (flag === '--minutes') {
      if (value === undefined || !/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw new Error(`--minutes needs a positive number, got "${value ?? ''}"`)
      options.minutes = Number(value)
      i++
    } else if (flag === '--seed') options.seed = whole(0, 0xffffffff)
    else if (flag === '--hosts') options.hosts = whole(3, 8)
    else throw new Error(`unknown option "${flag}"`)
  }
  if (options.runs === null && options.minutes === null) options.runs = 40
  return options
}
