/**
 * `${VAR}` interpolation from the deployer's environment, for `env` values, hook `env`
 * values, `deployTo`, `repo` and `branch`. Hook `run` text is never interpolated: it is
 * shell, and the shell on the host expands it at run time.
 *
 * Syntax: `${VAR}` (an error when VAR is unset), `${VAR:-default}` (default when VAR is
 * unset or empty, as in sh), `$$` for a literal `$` (as in docker compose). Any other `$`
 * is kept as written, so values like `pa$word` need no escaping.
 */

export interface Interpolation {
  value: string
  /** Names of the variables the template read, whether or not they were set. */
  references: string[]
  /** `${VAR}` without a default whose VAR is unset. */
  missing: string[]
  /** Syntax problems, as messages. */
  problems: string[]
}

const TOKEN = /\$\$|\$\{([^}]*)\}|\$\{/g
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s

export function interpolate(template: string, processEnv: NodeJS.ProcessEnv): Interpolation {
  const result: Interpolation = { value: '', references: [], missing: [], problems: [] }
  result.value = template.replace(TOKEN, (token, body: string | undefined) => {
    if (token === '$$') return '$'
    if (body === undefined) {
      result.problems.push(`unterminated "\${" in ${JSON.stringify(template)}: close it with "}" or write "$$" for a literal "$"`)
      return token
    }
    const match = REFERENCE.exec(body)
    if (match === null) {
      result.problems.push(`invalid reference "\${${body}}": expected \${NAME} or \${NAME:-default}`)
      return token
    }
    const name = match[1] ?? ''
    const fallback = match[2]
    result.references.push(name)
    const value = processEnv[name]
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value
    if (value === undefined) {
      result.missing.push(name)
      return ''
    }
    return value
  })
  return result
}
