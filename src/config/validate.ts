/**
 * Runs the schema and turns zod's issues into berth's: one issue per problem, each with
 * the key path, a message that says what was expected and what was found, and
 * "did you mean" for unknown keys and enum values.
 */
import type * as z from 'zod'
import { didYouMean } from './did-you-mean.js'
import { describeType, describeValue, valueAt, type KeyPath, type PathSegment, type RawIssue } from './issue.js'
import { configSchema, type RawConfig } from './schema.js'

export function validateSchema(data: unknown): { value?: RawConfig; errors: RawIssue[] } {
  const result = configSchema.safeParse(data)
  if (result.success) return { value: result.data, errors: [] }
  return { errors: result.error.issues.flatMap((issue) => translateIssue(issue, data, [])) }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
}

/** Keys that exist only at the top level, so an environment that sets them gets a clear message. */
const TOP_LEVEL_ONLY = ['app', 'environments']

/** Zod's own messages start like this; ours (see `expecting` in schema.ts) never do. */
const isDefaultMessage = (message: string) => /^Invalid|^Too |^Unrecognized/.test(message)

function translateIssue(issue: z.core.$ZodIssue, data: unknown, base: KeyPath): RawIssue[] {
  const path = [...base, ...(issue.path as PathSegment[])]
  const input = valueAt(data, path)
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path, key, message: unknownKeyMessage(path, key) }))
    case 'invalid_union':
      return translateUnion(issue, data, path, input)
    case 'invalid_key': {
      const nested = issue.issues[0]
      const message = nested === undefined || isDefaultMessage(nested.message) ? 'invalid key' : nested.message
      return [{ path: path.slice(0, -1), key: String(path.at(-1)), message }]
    }
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value))
      const list = values.length === 2 ? values.join(' or ') : `one of ${values.join(', ')}`
      const hint = typeof input === 'string' ? didYouMean(input, issue.values.map(String)) : ''
      return [{ path, message: `expected ${list}, got ${describeValue(input)}${hint}` }]
    }
    case 'invalid_type':
      if (!isDefaultMessage(issue.message)) return [{ path, message: issue.message }]
      if (input === undefined) return [{ path, message: 'required' }]
      return [{ path, message: `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeType(input)}` }]
    default:
      return [{ path, message: isDefaultMessage(issue.message) ? issue.message.toLowerCase() : issue.message }]
  }
}

/**
 * A union fails as a whole, with one issue list per branch. The branch that got past
 * the type check (a mapping for an object branch, a string for a string branch) is the
 * one the user meant, so its issues are the useful ones.
 */
function translateUnion(issue: z.core.$ZodIssueInvalidUnion, data: unknown, path: KeyPath, input: unknown): RawIssue[] {
  const isTypeMismatch = (branch: z.core.$ZodIssue[]) =>
    branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0
  const meant = issue.errors.find((branch) => !isTypeMismatch(branch))
  if (meant !== undefined) return meant.flatMap((nested) => translateIssue(nested, data, path))
  if (!isDefaultMessage(issue.message)) return [{ path, message: issue.message }]
  const expected = issue.errors.flatMap((branch) =>
    branch[0]?.code === 'invalid_type' ? [EXPECTED[branch[0].expected] ?? branch[0].expected] : [],
  )
  return [{ path, message: `expected ${[...new Set(expected)].join(' or ')}, got ${describeType(input)}` }]
}

function unknownKeyMessage(path: KeyPath, key: string): string {
  const parent = path.at(-1)
  if (parent === 'hooks') return `unknown hook "${key}"${didYouMean(key, allowedKeysAt(path))}`
  if (path[0] === 'environments' && path.length === 2 && TOP_LEVEL_ONLY.includes(key)) {
    return `"${key}" can only be set at the top level`
  }
  return `unknown key "${key}"${didYouMean(key, allowedKeysAt(path))}`
}

interface LooseDef {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  element?: z.ZodType
  valueType?: z.ZodType
  options?: z.ZodType[]
  in?: z.ZodType
}

const defOf = (schema: z.ZodType) => schema._zod.def as unknown as LooseDef

/** The keys the object schema at `path` allows, for suggestions. */
export function allowedKeysAt(path: KeyPath): string[] {
  return keysIn(configSchema, path) ?? []
}

function keysIn(schema: z.ZodType, path: KeyPath): string[] | undefined {
  const def = defOf(schema)
  const inner = def.innerType ?? def.in
  if (inner !== undefined) return keysIn(inner, path)
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const keys = keysIn(option, path)
      if (keys !== undefined) return keys
    }
    return undefined
  }
  const [segment, ...rest] = path
  if (segment === undefined) return def.type === 'object' ? Object.keys(def.shape ?? {}) : undefined
  const next =
    def.type === 'object' ? def.shape?.[String(segment)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined
  return next === undefined ? undefined : keysIn(next, rest)
}
