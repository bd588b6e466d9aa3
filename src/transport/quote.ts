/**
 * The only place where argv becomes shell text. Every remote command berth builds goes
 * through `shellQuote` / `shellJoin`, so a branch named `x;rm -rf ~` or a path with
 * quotes and spaces is always one inert word.
 */

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/

/** Quotes one word for a POSIX shell. Single quotes, with `'` written as `'\''`. */
export function shellQuote(word: string): string {
  if (word !== '' && SAFE_WORD.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** Joins argv into one shell command line, every word quoted. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ')
}

/** A valid POSIX shell variable name, safe to splice into `export NAME=...`. */
export function isShellVariableName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
}
