/**
 * `check` on a host: which tools are installed, whether deployTo (or the closest directory
 * above it that exists) is writable, and the free disk there, as `@key value` lines.
 * Changes nothing.
 */
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { script } from './script.js'

/** Either will do: checked, and reported, as one tool. */
export const HTTP_CLIENT = 'curl|wget'

/**
 * Prints `@have TOOL` / `@missing TOOL` for each tool, `@writable DIR` or `@not-writable DIR`
 * for deployTo's closest existing directory, and `@free KIB` there; always exits 0.
 */
export function checkScript(deployTo: string, tools: string[]): string {
  const plain = tools.filter((tool) => tool !== HTTP_CLIENT)
  return script(
    `for c in ${shellJoin(plain)}; do if command -v "$c" >/dev/null 2>&1; then echo "@have $c"; else echo "@missing $c"; fi; done`,
    tools.includes(HTTP_CLIENT)
      ? `if command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; then echo ${q(`@have ${HTTP_CLIENT}`)}; else echo ${q(`@missing ${HTTP_CLIENT}`)}; fi`
      : '',
    `d=${q(deployTo)}; while [ ! -e "$d" ]; do d=$(dirname "$d"); done`,
    `if [ -w "$d" ]; then echo "@writable $d"; else echo "@not-writable $d"; fi`,
    `df -Pk "$d" 2>/dev/null | awk 'NR==2 {print "@free " $4}'`,
    'exit 0',
  )
}
