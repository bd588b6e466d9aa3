/**
 * Reads `berth.yml` keeping positions, so every issue can name its line.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import type { KeyPath } from './issue.js'

interface Position {
  line: number
  col: number
}

export interface ParsedYaml {
  data: unknown
  /** YAML syntax errors; when there are any, `data` is not worth validating. */
  syntaxErrors: (Position & { message: string })[]
  locate: (path: KeyPath, key?: string) => Position | undefined
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter()
  // `merge: true` allows `<<: *base`, the usual way to share settings between environments.
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false })
  const syntaxErrors = doc.errors.map((error) => ({ ...lineCounter.linePos(error.pos[0]), message: firstLine(error.message) }))
  const locate = (path: KeyPath, key?: string) => {
    const offset = offsetOf(doc.contents, path, key)
    return offset === undefined ? undefined : lineCounter.linePos(offset)
  }
  const data = syntaxErrors.length > 0 ? undefined : withoutEmptyValues(doc.toJS({ maxAliasCount: 1000 }), [])
  return { data, syntaxErrors, locate }
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? message
}

/**
 * Offset of the node at `path`, or of `key`'s key node in the mapping at `path`. A path
 * that leaves the document (a missing key, a merged or aliased value) points at the
 * deepest node that exists, which is where the missing thing belongs.
 */
function offsetOf(root: unknown, path: KeyPath, key?: string): number | undefined {
  let node = root
  let offset = rangeStart(root)
  let isComplete = true
  for (const segment of path) {
    const next = childOf(node, segment)
    if (next === undefined) {
      isComplete = false
      break
    }
    node = next.value ?? next.key
    // A block mapping or list starts on the line after its key; the key's line is where
    // a reader looks for `staging:`. Scalars point at the value itself.
    const isCollection = isMap(next.value) || isSeq(next.value)
    offset = (isCollection ? rangeStart(next.key) : undefined) ?? rangeStart(next.value) ?? rangeStart(next.key) ?? offset
  }
  if (key !== undefined && isComplete) offset = rangeStart(childOf(node, key)?.key) ?? offset
  return offset
}

function childOf(node: unknown, segment: string | number): { key?: unknown; value?: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === segment)
    return pair === undefined ? undefined : { key: pair.key, value: pair.value ?? undefined }
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment]
    return item === undefined || item === null ? undefined : { value: item }
  }
  return undefined
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0]
}

/**
 * `key:` with nothing after it means "not given": a starter file with every hook
 * commented out still has `hooks:`. Under `environments`, though, `staging:` alone is
 * an environment that changes nothing, so it becomes `{}`.
 */
function withoutEmptyValues(value: unknown, path: KeyPath): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withoutEmptyValues(item, [...path, index]))
  if (value === null || typeof value !== 'object') return value
  const isEnvironments = path.length === 1 && path[0] === 'environments'
  const result: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    if (item === null && isEnvironments) result[key] = {}
    else if (item !== null) result[key] = withoutEmptyValues(item, [...path, key])
  }
  return result
}
