/**
 * `--roles` and `--hosts`: which of an environment's hosts a run works on. Names that
 * match nothing are an error (a typo must not silently deploy to nobody).
 */
import type { HostConfig } from '../config/types.js'
import { UsageError } from '../errors.js'

export function selectRunHosts(hosts: HostConfig[], filter: { roles?: string[]; hosts?: string[] }, environment: string): HostConfig[] {
  const knownRoles = new Set(hosts.flatMap((h) => h.roles))
  const unknownRoles = (filter.roles ?? []).filter((role) => !knownRoles.has(role))
  const unknownHosts = (filter.hosts ?? []).filter((name) => !hosts.some((h) => h.name === name))
  if (unknownRoles.length > 0) {
    throw new UsageError(`no host of ${environment} has role ${unknownRoles.join(', ')}`, {
      hint: `roles in ${environment}: ${[...knownRoles].join(', ')}`,
    })
  }
  if (unknownHosts.length > 0) {
    throw new UsageError(`${environment} has no host ${unknownHosts.join(', ')}`, {
      hint: `hosts in ${environment}: ${hosts.map((h) => h.name).join(', ')}`,
    })
  }
  return hosts.filter(
    (host) =>
      (filter.roles === undefined || filter.roles.length === 0 || filter.roles.some((role) => host.roles.includes(role))) &&
      (filter.hosts === undefined || filter.hosts.length === 0 || filter.hosts.includes(host.name)),
  )
}
