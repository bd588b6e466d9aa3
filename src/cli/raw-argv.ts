/**
 * The command line as typed. cac's parser (mri) turns every value that looks like a
 * number into one: `--ref 202612.10` becomes 202612.1, `--ref 0777` becomes 777 and
 * `--ref ''` becomes 0, and the same happens to a positional word after a boolean flag.
 * cac has no way to declare an option as a string (its `type: [String]` converts the
 * number back, too late), so berth lets cac match the command and check the options, and
 * reads the words themselves from argv here, walking it the way mri does.
 */

export interface OptionSpec {
  /** Every name of the option, camelCased the way cac keys its options (`lock-wait` → `lockWait`). */
  names: readonly string[]
  /** `--ref <ref>`: the option takes a value (the next word, or what follows `=`). */
  takesValue: boolean
}

export interface RawArgv {
  /** Words that are not options nor their values, before any `--`: the command name first. */
  positionals: string[]
  /** Each value-taking option given (by its longest name): every value written for it, in order. */
  values: Map<string, string[]>
}

/** cac's own rule for option keys: `lock-wait` → `lockWait`. */
export function camelcase(name: string): string {
  return name.replaceAll(/([a-z])-([a-z])/g, (_, before: string, after: string) => before + after.toUpperCase())
}

export function readRawArgv(argv: readonly string[], specs: readonly OptionSpec[]): RawArgv {
  const canonical = new Map<string, string>()
  for (const spec of specs) {
    if (!spec.takesValue) continue
    const longest = [...spec.names].sort((a, b) => b.length - a.length)[0] ?? ''
    for (const name of spec.names) canonical.set(name, longest)
  }
  const positionals: string[] = []
  const values = new Map<string, string[]>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') break
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const dashes = arg.startsWith('--') ? 2 : 1
    const equals = arg.indexOf('=', dashes)
    const written = arg.slice(dashes, equals === -1 ? undefined : equals)
    // In a group of short flags (`-qc FILE`) only the last letter can take the value.
    const key = canonical.get(camelcase(dashes === 2 ? written : written.slice(-1)))
    if (key === undefined || written.startsWith('no-')) continue
    let value: string
    if (equals !== -1) value = arg.slice(equals + 1)
    else if (i + 1 < argv.length && !(argv[i + 1] ?? '').startsWith('-')) value = argv[++i] ?? ''
    else continue // no value: cac reports the option's missing value
    values.set(key, [...(values.get(key) ?? []), value])
  }
  return { positionals, values }
}
