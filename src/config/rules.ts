/**
 * Rules that span several fields, checked once per environment after overlays are merged.
 * The schema has already checked each field on its own.
 */
import { didYouMean } from './did-you-mean.js'
import type { KeyPath, RawIssue, Validation } from './issue.js'
import { environmentPath, type HookLists } from './overlay.js'
import type { RawConfig } from './schema.js'
import { HOOK_NAMES, type HookEntry, type HookName, type HostConfig } from './types.js'

/** Hosts and roles a hook entry may name. */
export interface HostNames {
  hosts: Set<string>
  roles: Set<string>
}

export function namesOf(hosts: readonly HostConfig[]): HostNames {
  return { hosts: new Set(hosts.map((host) => host.name)), roles: new Set(hosts.flatMap((host) => host.roles)) }
}

export function checkEnvironmentsDefined(raw: RawConfig): RawIssue[] {
  if (Object.keys(raw.environments).length > 0) return []
  return [{ path: ['environments'], message: 'no environments defined: add one, e.g. "production: {}"' }]
}

export function checkHostsPresent(raw: RawConfig, environment: string, hosts: readonly HostConfig[]): Validation {
  const inventory = raw.environments[environment]?.inventory ?? raw.inventory
  const listed = raw.environments[environment]?.hosts ?? raw.hosts
  const errors: RawIssue[] = []
  const warnings: RawIssue[] = []
  if (hosts.length === 0) {
    errors.push({
      path: inventory === undefined ? environmentPath(environment) : ['inventory'],
      message:
        inventory === undefined
          ? 'no hosts: list them under "hosts" in this environment or at the top level, or name an inventory'
          : `the inventory has no host for "${environment}"`,
    })
  } else if (inventory !== undefined && listed !== undefined) {
    warnings.push({ path: ['inventory'], message: 'both "hosts" and "inventory" are given: the hosts listed under "hosts" are used' })
  }
  return { errors, warnings }
}

/**
 * `roles`/`hosts` in a hook entry that select nothing are almost always typos, so they
 * are errors. An entry written in the environment itself must name something in that
 * environment. A top-level entry is shared by every environment and may legitimately
 * select nothing in some of them (a `db` role that only production has), so it must
 * name something in at least one environment.
 */
export function checkHookTargets(
  environment: string,
  lists: HookLists,
  hooks: Record<HookName, HookEntry[]>,
  inEnvironment: HostNames,
  inFile: HostNames,
): RawIssue[] {
  const errors: RawIssue[] = []
  const ownPrefix = environmentPath(environment).join('\0')
  for (const name of HOOK_NAMES) {
    const { path } = lists[name]
    const isOwn = path.slice(0, 2).join('\0') === ownPrefix
    const known = isOwn ? inEnvironment : inFile
    const where = isOwn ? `in environment "${environment}"` : 'in any environment'
    hooks[name].forEach((entry, index) => {
      const entryPath: KeyPath = [...path, index]
      for (const role of entry.roles ?? []) {
        if (!known.roles.has(role)) {
          errors.push({ path: [...entryPath, 'roles'], message: `no host ${where} has role "${role}"${didYouMean(role, [...known.roles])}` })
        }
      }
      for (const host of entry.hosts ?? []) {
        if (!known.hosts.has(host)) {
          errors.push({ path: [...entryPath, 'hosts'], message: `no host "${host}" ${where}${didYouMean(host, [...known.hosts])}` })
        }
      }
    })
  }
  return errors
}
