/**
 * Issues as the config modules pass them around before they become `ConfigIssue`s: a
 * key path as segments (so a position in the YAML can be looked up later) and a message.
 */
import type { ConfigIssue } from '../errors.js'

export type PathSegment = string | number
export type KeyPath = readonly PathSegment[]

export interface RawIssue {
  path: KeyPath
  message: string
  /** The issue is about this key of the object at `path` (e.g. an unknown key): point at the key. */
  key?: string
}

/** What validation returns instead of throwing, so callers can collect everything first. */
export interface Validation {
  errors: RawIssue[]
  warnings: RawIssue[]
}

/** `['hooks', 'restart', 0, 'run']` → `hooks.restart[0].run`. */
export function formatPath(path: KeyPath): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out
}

/** The value at `path` in plain data, or `undefined`. */
export function valueAt(data: unknown, path: KeyPath): unknown {
  let current = data
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PathSegment, unknown>)[segment]
  }
  return current
}

/** How a value is named in "expected X, got Y" messages. */
export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return typeof value
}

/** A value quoted for a message, shortened so a pasted blob doesn't flood the terminal. */
export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** Where issues point: the file name as shown to the user, and positions when the format has them. */
export interface ConfigSource {
  /** The file as the user would type it, e.g. `berth.yml` or `../berth.yml`. */
  displayName: string
  /** Line and column (1-based) of the value at `path`, or of `key` in the mapping at `path`. */
  locate?: (path: KeyPath, key?: string) => { line: number; col: number } | undefined
}

/** berth's `ConfigIssue`s, each once, in file order when positions are known. */
export function toConfigIssues(issues: readonly RawIssue[], source: ConfigSource): ConfigIssue[] {
  const seen = new Set<string>()
  const result: ConfigIssue[] = []
  for (const issue of issues) {
    const path = formatPath(issue.path)
    const position = source.locate?.(issue.path, issue.key)
    const id = `${path}\0${issue.key ?? ''}\0${issue.message}`
    if (seen.has(id)) continue
    seen.add(id)
    const converted: ConfigIssue = { path, message: issue.message, file: source.displayName }
    if (position !== undefined) {
      converted.line = position.line
      converted.col = position.col
    }
    result.push(converted)
  }
  return result.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0))
}
