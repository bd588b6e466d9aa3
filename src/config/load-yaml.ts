/**
 * Reads `berth.yml` keeping positions, so every issue can name its line. Hostile or huge
 * files are refused or read in linear time: aliases are capped (a "billion laughs" file
 * expands to gigabytes), and duplicate keys and issue positions are found through one
 * index per mapping, not by scanning the mapping for each key (quadratic in its size).
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type YAMLMap } from 'yaml'
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

/**
 * How many alias expansions a file may cause. `<<: *base` in each environment is a
 * handful; a "billion laughs" file needs millions.
 */
export const MAX_ALIAS_COUNT = 1000

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter()
  // `merge: true` allows `<<: *base`, the usual way to share settings between environments.
  // `uniqueKeys: false`: the parser's own duplicate check scans the whole mapping per key.
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false, uniqueKeys: false })
  const at = (offset: number) => lineCounter.linePos(offset)
  const syntaxErrors = doc.errors.map((error) => ({ ...at(error.pos[0]), message: firstLine(error.message) }))
  if (syntaxErrors.length === 0) syntaxErrors.push(...duplicateKeys(doc).map((offset) => ({ ...at(offset), message: 'Map keys must be unique' })))
  const locate = (path: KeyPath, key?: string) => {
    const offset = offsetOf(doc.contents, path, key)
    return offset === undefined ? undefined : at(offset)
  }
  if (syntaxErrors.length > 0) return { data: undefined, syntaxErrors, locate }
  try {
    return { data: withoutEmptyValues(doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), []), syntaxErrors, locate }
  } catch (error) {
    // On a document without syntax errors, toJS throws for the alias cap (and an unknown alias).
    if (!(error instanceof Error) || !/alias/i.test(error.message)) throw error
    const firstAlias = firstAliasOffset(doc)
    const message = `aliases expand to too much data (more than ${MAX_ALIAS_COUNT} expansions): is this a "billion laughs" file? (${error.message})`
    return { data: undefined, syntaxErrors: [{ ...at(firstAlias ?? 0), message }], locate }
  }
}

/** Offsets of keys that repeat an earlier key of the same mapping, in one pass over the document. */
function duplicateKeys(doc: Document): number[] {
  const offsets: number[] = []
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>()
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue
        if (seen.has(pair.key.value)) offsets.push(rangeStart(pair.key) ?? 0)
        seen.add(pair.key.value)
      }
    },
  })
  return offsets.sort((a, b) => a - b)
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined
  visit(doc, {
    Alias(_key, alias) {
      offset = rangeStart(alias)
      return visit.BREAK
    },
  })
  return offset
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

/** Each mapping's pairs by key, built the first time an issue looks into that mapping. */
const keyIndexes = new WeakMap<YAMLMap, Map<unknown, { key: unknown; value: unknown }>>()

function childOf(node: unknown, segment: string | number): { key?: unknown; value?: unknown } | undefined {
  if (isMap(node)) {
    let index = keyIndexes.get(node)
    if (index === undefined) {
      index = new Map()
      for (const item of node.items) {
        const key = isScalar(item.key) ? item.key.value : item.key
        // The first pair wins, as `find` did.
        if (!index.has(key)) index.set(key, { key: item.key, value: item.value ?? undefined })
      }
      keyIndexes.set(node, index)
    }
    return index.get(segment)
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
