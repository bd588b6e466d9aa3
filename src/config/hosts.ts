/**
 * Hosts of one environment: shorthands expanded, the implicit `all` role added, exactly
 * one primary (the first host unless one says `primary: true`), names unique.
 */
import { parseRelayAddress } from './delivery.js'
import { inventoryHosts, type Inventory } from '../inventory/ansible.js'
import { hostNameProblem, userNameProblem } from './host-names.js'
import { formatPath, type KeyPath, type RawIssue } from './issue.js'
import type { LoadedConfig } from './loaded.js'
import { setting, type Sourced } from './overlay.js'
import type { RawHost } from './schema.js'
import type { HostConfig } from './types.js'

/** Every host has this role, so `roles: [all]` selects the whole environment. */
const ROLE_ALL = 'all'

function toHostConfig(raw: RawHost): HostConfig {
  if (typeof raw === 'string') return { name: raw, host: raw, roles: [ROLE_ALL], primary: false, transport: 'ssh' }
  const host: HostConfig = {
    name: raw.host,
    host: raw.host,
    roles: raw.roles.includes(ROLE_ALL) ? [...raw.roles] : [...raw.roles, ROLE_ALL],
    primary: raw.primary,
    transport: raw.transport,
  }
  if (raw.user !== undefined) host.user = raw.user
  if (raw.port !== undefined) host.port = raw.port
  if (raw.relayAddress !== undefined) host.relayAddress = parseRelayAddress(raw.relayAddress)
  return host
}

/** The environment's hosts: listed in the config, or else taken from its inventory. */
export function environmentHosts(loaded: LoadedConfig, environment: string): { hosts: HostConfig[]; errors: RawIssue[] } {
  const written = setting(loaded.raw, environment, 'hosts')
  if (written.value !== undefined) return resolveHosts(written)
  const inventory = loaded.inventories?.get(environment) ?? loaded.inventories?.get('')
  if (inventory === undefined) return resolveHosts(written)
  const own = loaded.raw.environments[environment]?.inventory
  const path = own !== undefined ? ['environments', environment, 'inventory'] : ['inventory']
  const spec = own ?? loaded.raw.inventory
  const hosts = inventoryHosts(inventory, environment)
  const finished = finishHosts(hosts, path)
  const file = typeof spec === 'string' ? spec : 'inventory command'
  return { hosts: finished.hosts, errors: [...inventoryHostErrors(hosts, inventory, file, path), ...finished.errors] }
}

/**
 * berth.yml's hosts are checked by the schema; an inventory's are checked here, with the
 * inventory file's line when it has one (INI files), since the hosts are not in berth.yml.
 */
function inventoryHostErrors(hosts: HostConfig[], inventory: Inventory, file: string, path: KeyPath): RawIssue[] {
  return hosts.flatMap((host) => {
    const line = inventory.lines?.get(host.name)
    const where = line === undefined ? file : `${file}:${line}`
    const labelled = (label: string, problem: string | undefined) => (problem === undefined ? undefined : `${label} ${problem}`)
    const problems = [
      hostNameProblem(host.name),
      host.host === host.name ? undefined : labelled('ansible_host', hostNameProblem(host.host)),
      host.user === undefined ? undefined : labelled('ansible_user', userNameProblem(host.user)),
      portProblem(inventory.hosts.get(host.name)?.ansible_port),
    ]
    return problems.flatMap((problem) => (problem === undefined ? [] : [{ path, message: `${where}: ${problem}` }]))
  })
}

function resolveHosts(written: Sourced<RawHost[] | undefined>): { hosts: HostConfig[]; errors: RawIssue[] } {
  return finishHosts((written.value ?? []).map(toHostConfig), written.path)
}

/** An `ansible_port` that is not a port would otherwise be dropped, and port 22 used instead. */
function portProblem(port: string | undefined): string | undefined {
  if (port === undefined || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return undefined
  return `ansible_port ${JSON.stringify(port)} is not a port number from 1 to 65535`
}

function finishHosts(hosts: HostConfig[], path: KeyPath): { hosts: HostConfig[]; errors: RawIssue[] } {
  const errors: RawIssue[] = []
  const firstIndex = new Map<string, number>()
  hosts.forEach((host, index) => {
    const earlier = firstIndex.get(host.name)
    if (earlier === undefined) firstIndex.set(host.name, index)
    else {
      errors.push({
        path: [...path, index],
        message: `duplicate host "${host.name}" (already at ${formatPath([...path, earlier])}); list each host once, with all its roles`,
      })
    }
  })
  const primaries = hosts.flatMap((host, index) => (host.primary ? [index] : []))
  const [first, ...others] = primaries
  for (const index of others) {
    errors.push({
      path: [...path, index],
      message: `only one host can be primary, and "${hosts[first ?? 0]?.name}" already is`,
    })
  }
  const primary = hosts[first ?? 0]
  if (primary !== undefined) primary.primary = true
  return { hosts, errors }
}
