/**
 * Hosts from an Ansible inventory, so a team that already keeps one needs no second list:
 * INI files, YAML files, and the `--list` JSON a dynamic inventory command prints. Groups
 * become roles; `ansible_host`, `ansible_user` and `ansible_port` say how to reach a host;
 * `berth_primary=true` marks the primary. When the inventory has a group named after the
 * environment, only that group's hosts belong to it.
 */
import { parse as parseYaml } from 'yaml'
import type { HostConfig } from '../config/types.js'

export interface Inventory {
  /** Host name → its variables (group variables already applied, host's own win). */
  hosts: Map<string, Record<string, string>>
  /** Group name → host names, children included. */
  groups: Map<string, Set<string>>
  /** Host name → the line that first names it (INI files), so a bad host can be pointed at. */
  lines?: Map<string, number>
}

interface RawGroups {
  hosts: Map<string, Record<string, string>>
  direct: Map<string, Set<string>>
  children: Map<string, Set<string>>
  vars: Map<string, Record<string, string>>
  lines: Map<string, number>
}

function emptyRaw(): RawGroups {
  return { hosts: new Map(), direct: new Map(), children: new Map(), vars: new Map(), lines: new Map() }
}

function addToGroup(map: Map<string, Set<string>>, group: string, member: string): void {
  const set = map.get(group) ?? new Set<string>()
  set.add(member)
  map.set(group, set)
}

/** `web[01:03].example.com` → web01…web03; `db[a:c]` → dba, dbb, dbc. */
export function expandHostPattern(pattern: string): string[] {
  const match = /^(.*)\[([0-9a-z]+):([0-9a-z]+)\](.*)$/.exec(pattern)
  if (!match) return [pattern]
  const [, head = '', from = '', to = '', tail = ''] = match
  const out: string[] = []
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    for (let i = Number(from); i <= Number(to); i++) out.push(`${head}${String(i).padStart(from.length, '0')}${tail}`)
  } else {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) out.push(`${head}${String.fromCharCode(c)}${tail}`)
  }
  return out.flatMap(expandHostPattern)
}

/** key=value pairs after a host name; values may be quoted. */
function parseVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S+)/g)) {
    vars[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2')
  }
  return vars
}

export function parseIniInventory(text: string): Inventory {
  const raw = emptyRaw()
  let section = 'ungrouped'
  let kind: 'hosts' | 'children' | 'vars' = 'hosts'
  for (const [index, rawLine] of text.split('\n').entries()) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[([^\]:]+)(?::(children|vars))?\]$/.exec(line)
    if (header) {
      section = header[1]!
      kind = (header[2] as 'children' | 'vars' | undefined) ?? 'hosts'
      if (!raw.direct.has(section)) raw.direct.set(section, new Set())
      continue
    }
    if (kind === 'vars') {
      raw.vars.set(section, { ...raw.vars.get(section), ...parseVars(line) })
    } else if (kind === 'children') {
      addToGroup(raw.children, section, line.split(/\s+/)[0]!)
    } else {
      const [pattern = '', ...rest] = line.split(/\s+/)
      for (const name of expandHostPattern(pattern)) {
        if (!raw.lines.has(name)) raw.lines.set(name, index + 1)
        raw.hosts.set(name, { ...raw.hosts.get(name), ...parseVars(rest.join(' ')) })
        addToGroup(raw.direct, section, name)
      }
    }
  }
  return finish(raw)
}

type YamlGroup = { hosts?: Record<string, Record<string, unknown> | null>; children?: Record<string, YamlGroup | null>; vars?: Record<string, unknown> }

export function parseYamlInventory(text: string): Inventory {
  const raw = emptyRaw()
  const walk = (name: string, group: YamlGroup | null): void => {
    if (!raw.direct.has(name)) raw.direct.set(name, new Set())
    if (!group) return
    for (const [pattern, vars] of Object.entries(group.hosts ?? {})) {
      for (const host of expandHostPattern(pattern)) {
        raw.hosts.set(host, { ...raw.hosts.get(host), ...stringify(vars ?? {}) })
        addToGroup(raw.direct, name, host)
      }
    }
    if (group.vars) raw.vars.set(name, { ...raw.vars.get(name), ...stringify(group.vars) })
    for (const [child, body] of Object.entries(group.children ?? {})) {
      addToGroup(raw.children, name, child)
      walk(child, body)
    }
  }
  const doc = (parseYaml(text) ?? {}) as Record<string, YamlGroup | null>
  for (const [name, group] of Object.entries(doc)) walk(name, group)
  return finish(raw)
}

/** The JSON of `ansible-inventory --list` (or any dynamic inventory script). */
export function parseListInventory(text: string): Inventory {
  const doc = JSON.parse(text) as Record<string, unknown>
  const raw = emptyRaw()
  const meta = (doc._meta as { hostvars?: Record<string, Record<string, unknown>> } | undefined)?.hostvars ?? {}
  for (const [name, body] of Object.entries(doc)) {
    if (name === '_meta') continue
    const group = Array.isArray(body) ? { hosts: body as string[] } : (body as { hosts?: string[]; children?: string[]; vars?: Record<string, unknown> })
    if (!raw.direct.has(name)) raw.direct.set(name, new Set())
    for (const host of group.hosts ?? []) {
      raw.hosts.set(host, { ...raw.hosts.get(host) })
      addToGroup(raw.direct, name, host)
    }
    for (const child of group.children ?? []) addToGroup(raw.children, name, child)
    if (group.vars) raw.vars.set(name, stringify(group.vars))
  }
  for (const [host, vars] of Object.entries(meta)) raw.hosts.set(host, { ...raw.hosts.get(host), ...stringify(vars) })
  return finish(raw)
}

function stringify(vars: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).map(([key, value]) => [key, String(value)]))
}

/** Resolves children into members and applies group vars under each host's own. */
function finish(raw: RawGroups): Inventory {
  const groups = new Map<string, Set<string>>()
  const membersOf = (group: string, seen: Set<string>): Set<string> => {
    const members = new Set(raw.direct.get(group) ?? [])
    for (const child of raw.children.get(group) ?? []) {
      if (seen.has(child)) continue
      for (const host of membersOf(child, new Set([...seen, child]))) members.add(host)
    }
    return members
  }
  for (const group of new Set([...raw.direct.keys(), ...raw.children.keys()])) groups.set(group, membersOf(group, new Set([group])))
  const hosts = new Map<string, Record<string, string>>()
  for (const [host, own] of raw.hosts) {
    const fromGroups = [...groups].filter(([, members]) => members.has(host)).map(([group]) => raw.vars.get(group) ?? {})
    hosts.set(host, Object.assign({}, raw.vars.get('all'), ...fromGroups, own))
  }
  return raw.lines.size === 0 ? { hosts, groups } : { hosts, groups, lines: raw.lines }
}

const NOT_ROLES = new Set(['all', 'ungrouped'])

/** The environment's hosts as berth sees them: groups are roles. */
export function inventoryHosts(inventory: Inventory, environment: string): HostConfig[] {
  const scoped = inventory.groups.get(environment)
  const names = [...inventory.hosts.keys()].filter((name) => scoped === undefined || scoped.has(name))
  return names.map((name) => {
    const vars = inventory.hosts.get(name) ?? {}
    const roles = [...inventory.groups]
      .filter(([group, members]) => members.has(name) && !NOT_ROLES.has(group) && group !== environment)
      .map(([group]) => group)
    for (const role of (vars.berth_roles ?? '').split(',').map((r) => r.trim())) if (role !== '' && !roles.includes(role)) roles.push(role)
    const host: HostConfig = {
      name,
      host: vars.ansible_host ?? name,
      roles: [...roles, 'all'],
      primary: vars.berth_primary === 'true',
      transport: vars.berth_transport === 'local' || vars.ansible_connection === 'local' ? 'local' : 'ssh',
    }
    if (vars.ansible_user !== undefined) host.user = vars.ansible_user
    if (vars.ansible_port !== undefined && /^\d+$/.test(vars.ansible_port)) host.port = Number(vars.ansible_port)
    return host
  })
}
