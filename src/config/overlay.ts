/**
 * How an environment overlays the top level. Each value comes back with the path where
 * it was written, so later messages point at the right line.
 *
 * - Plain settings (branch, deployTo, hosts, rollout, shared, build, ...): the
 *   environment's value replaces the top level's.
 * - `env` and `ssh`: merged key by key, the environment winning.
 * - `secrets`: the union of both lists. Letting an environment drop a top-level secret
 *   would make a value that is masked elsewhere leak into its output.
 * - `hooks`: per hook name, the environment's list REPLACES the top level's list for
 *   that name (other names keep the top-level list). Appending would leave no way to
 *   remove a shared entry, and the replaced list is what a reader of the file expects.
 */
import type { KeyPath, RawIssue } from './issue.js'
import type { RawConfig, RawEnvironment, RawHookEntry, RawHooks } from './schema.js'
import { HOOK_ALIASES, HOOK_NAMES, type HookName } from './types.js'

export interface Sourced<T> {
  value: T
  /** Where the value was written, e.g. `['environments', 'production', 'branch']`. */
  path: KeyPath
}

export type SettingKey = keyof RawEnvironment

/** Where the settings of `environment` live in the file. */
export const environmentPath = (environment: string): KeyPath => ['environments', environment]

/** The environment's value for `key` if it sets one, else the top level's. */
export function setting<K extends SettingKey>(raw: RawConfig, environment: string, key: K): Sourced<RawConfig[K]> {
  const overlay = raw.environments[environment]
  if (overlay?.[key] !== undefined) {
    return { value: overlay[key] as RawConfig[K], path: [...environmentPath(environment), key] }
  }
  return { value: raw[key], path: [key] }
}

export interface MergedEntry<T> extends Sourced<T> {
  name: string
}

/** `env` or `ssh`, merged key by key. */
export function mergedEntries<K extends 'env' | 'ssh'>(
  raw: RawConfig,
  environment: string,
  key: K,
): MergedEntry<NonNullable<RawConfig[K]>[keyof NonNullable<RawConfig[K]>]>[] {
  const merged = new Map<string, MergedEntry<never>>()
  const layers: [Record<string, unknown> | undefined, KeyPath][] = [
    [raw[key], [key]],
    [raw.environments[environment]?.[key], [...environmentPath(environment), key]],
  ]
  for (const [values, path] of layers) {
    for (const [name, value] of Object.entries(values ?? {})) {
      if (value !== undefined) merged.set(name, { name, value: value as never, path: [...path, name] })
    }
  }
  return [...merged.values()]
}

export function mergedSecrets(raw: RawConfig, environment: string): string[] {
  return [...new Set([...(raw.secrets ?? []), ...(raw.environments[environment]?.secrets ?? [])])]
}

/** One hook name's entries, with the path of the list they were written in. */
export type HookLists = Record<HookName, Sourced<RawHookEntry[]>>

export function mergedHooks(raw: RawConfig, environment: string): { lists: HookLists; errors: RawIssue[] } {
  const errors: RawIssue[] = []
  const lists = Object.fromEntries(HOOK_NAMES.map((name) => [name, { value: [], path: ['hooks', name] }])) as unknown as HookLists
  const layers: [RawHooks | undefined, KeyPath][] = [
    [raw.hooks, ['hooks']],
    [raw.environments[environment]?.hooks, [...environmentPath(environment), 'hooks']],
  ]
  for (const [hooks, path] of layers) {
    const seen = new Map<HookName, string>()
    for (const [written, entries] of Object.entries(hooks ?? {})) {
      if (entries === undefined) continue
      const name = HOOK_ALIASES[written] ?? (written as HookName)
      const other = seen.get(name)
      if (other !== undefined) {
        errors.push({ path, key: written, message: `"${written}" and "${other}" are the same hook: put all its entries under "${name}"` })
        continue
      }
      seen.set(name, written)
      lists[name] = { value: entries, path: [...path, written] }
    }
  }
  return { lists, errors }
}
