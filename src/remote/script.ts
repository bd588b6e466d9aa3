/**
 * All host commands are built in this folder (`src/remote/`) from quoted words and these
 * combinators. Words from users (paths, refs, ids, JSON records, URLs) only ever reach the
 * text through `shellQuote` (`transport/quote.ts`); fragments are only ever put together
 * here, so nothing else in berth writes `&&`, `||` or a newline between shell commands.
 *
 * A fragment is shell text for one or more commands. The empty string means "nothing to
 * run": every combinator leaves it out, so callers may pass optional parts as ''.
 */
import { shellQuote as q } from '../transport/quote.js'

/**
 * Runs fragments one after another, stopping at the first that fails with its exit code.
 * (`set -e` would not: it ignores failures inside `a && b` lists.)
 */
export function sequence(...fragments: string[]): string {
  return present(fragments)
    .map((fragment) => `{ ${fragment}\n} || exit $?`)
    .join('\n')
}

/**
 * Runs fragments while each succeeds (`a && b && c`); the status is the first failure's.
 * A fragment that is more than one and-list (several lines, `;`, `||`, `&`) is grouped in
 * braces first, so `&&` joins it as a whole, not only its last (or first) command.
 */
export function all(...fragments: string[]): string {
  return present(fragments)
    .map((fragment, i) => {
      const top = topLevel(fragment)
      return isAndOrList(top) && (i === 0 || !top.includes('||')) ? fragment : group(fragment)
    })
    .join(' && ')
}

/** Runs fragments one per line, each whatever the last one did; the status is the last one's. */
export function script(...fragments: string[]): string {
  return present(fragments).join('\n')
}

/**
 * Runs a fragment whose failure must not stop what follows: it is reported on stderr as
 * `berth: <warning>` and the status is 0.
 */
export function tryOr(fragment: string, warning: string): string {
  if (fragment === '') return ''
  return `${isAndOrList(topLevel(fragment)) ? fragment : group(fragment)} || echo ${q(`berth: ${warning}`)} >&2`
}

function present(fragments: string[]): string[] {
  return fragments.filter((fragment) => fragment !== '')
}

/**
 * `{ ... }` runs in the current shell: `exit` and variables keep working inside it. `{ a; }`
 * reads best, but after a trailing `;` or `&` another `;` is a syntax error, and a `#`
 * comment would swallow the `; }`: those close the group on a line of its own.
 */
function group(fragment: string): string {
  return /[\n#]|[;&]$/.test(unquoted(fragment).trimEnd()) ? `{ ${fragment}\n}` : `{ ${fragment}; }`
}

/**
 * What is left of a one-line fragment once the parts that cannot hold a top-level
 * separator are taken out: quoted words, `${...}`, `$(...)`, `{ ...; }` groups and `>&2`
 * style redirections. Errs towards keeping: a separator seen where there is none only
 * costs a pair of braces (an unterminated quote counts as one).
 */
function topLevel(fragment: string): string {
  let text = unquoted(fragment)
  for (let before = ''; before !== text; ) {
    before = text
    text = text
      .replace(/\$\{[^{}]*\}/g, '$v')
      .replace(/\$\([^()]*\)/g, '$v')
      .replace(/(^|[\s;&|])\{ [^{}]*; \}/g, '$1{}')
  }
  return text.replace(/\d?>&\d/g, '>')
}

/**
 * The fragment with every quoted or backslash-escaped part replaced by `_`, read as `sh` reads
 * quotes. Plain runs are copied as slices: a deploy's commands hold whole records and file
 * lists, and adding them one character at a time made planning a 10-host deploy cost 100 ms.
 */
function unquoted(fragment: string): string {
  const parts: string[] = []
  let from = 0
  QUOTING.lastIndex = 0
  for (let i = QUOTING.exec(fragment)?.index ?? -1; i >= 0; ) {
    parts.push(fragment.slice(from, i), '_')
    const c = fragment[i]
    if (c === '\\') {
      i += 2
    } else if (c === "'") {
      const end = fragment.indexOf("'", i + 1)
      if (end < 0) return `${parts.join('').slice(0, -1)}_;`
      i = end + 1
    } else {
      let j = i + 1
      for (; j < fragment.length && fragment[j] !== '"'; j++) if (fragment[j] === '\\') j++
      if (j >= fragment.length) return `${parts.join('').slice(0, -1)}_;`
      i = j + 1
    }
    from = Math.min(i, fragment.length)
    QUOTING.lastIndex = from
    i = QUOTING.exec(fragment)?.index ?? -1
  }
  parts.push(fragment.slice(from))
  return parts.join('')
}

/** Where a quoted or escaped part starts. */
const QUOTING = /['"\\]/g

/** One line, and no `;` or background `&` outside groups and quotes (in `topLevel`'s text): `X || warn` applies to all of it. */
function isAndOrList(top: string): boolean {
  return !/[\n;&#]/.test(top.replaceAll('&&', '').replaceAll('||', ''))
}
