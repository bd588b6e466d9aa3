/**
 * How a relay reaches each of its hosts, decided on this machine (README, "Through relay
 * hosts"): the address, port and user `ssh -G` resolves for the host here (the run's
 * `ssh.config` included), unless the host sets `relayAddress`; and the host keys this
 * machine trusts for it, found with `ssh-keygen -F` in the known-hosts files `ssh -G`
 * names, filed under an alias of berth's choosing for the relay's own `known_hosts`. The
 * relay never trusts a key this machine would not.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { HostConfig } from '../config/types.js'
import type { RelayTarget } from '../remote/relay.js'

export interface ResolvedTarget {
  target: RelayTarget
  /** known_hosts lines for the relay, under `target.alias`; none when this machine knows no key. */
  knownHosts: string[]
}

/**
 * The name a host's keys are filed under on the relay: its config name when that is one
 * plain word, else `host-<index>` (which no config name may then take: two hosts' keys
 * under one name would let the relay take either for both).
 */
export function relayAlias(name: string, index: number): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !/^host-\d+$/.test(name) ? name : `host-${index}`
}

/** The hosts a relay serves, resolved for it: how to reach each, and why not where it cannot be told. */
export interface RelayTargets {
  targets: Map<string, RelayTarget>
  /** Host name → why the relay is not sent to it. */
  refused: Map<string, string>
  /** Every target's known_hosts lines, for the relay's run file. */
  knownHosts: string[]
}

/** Resolves each host (`resolve`: `resolveRelayTarget`, or a run's cache of its answers) for `relay`. */
export async function relayTargets(relay: string, hosts: readonly HostConfig[], resolve: (host: HostConfig) => Promise<ResolvedTarget>): Promise<RelayTargets> {
  const found: RelayTargets = { targets: new Map(), refused: new Map(), knownHosts: [] }
  const answers = await Promise.all(hosts.map((host) => resolve(host).then((answer) => ({ answer }), (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }))))
  hosts.forEach((host, index) => {
    const result = answers[index]!
    if ('error' in result) found.refused.set(host.name, `relay ${relay} cannot be told how to reach ${host.name}: ${result.error}`)
    else if (result.answer.knownHosts.length === 0) found.refused.set(host.name, `relay ${relay} cannot check ${host.name}'s host key: this machine has none on file for it`)
    else {
      found.targets.set(host.name, result.answer.target)
      found.knownHosts.push(...result.answer.knownHosts)
    }
  })
  return found
}

/** Resolves `host` for a relay; rejects with ssh's own message when `ssh -G` cannot read it. */
export async function resolveRelayTarget(host: HostConfig, sshConfigFile: string | undefined, alias: string): Promise<ResolvedTarget> {
  const args = [
    ...(sshConfigFile === undefined ? [] : ['-F', sshConfigFile]),
    ...(host.user === undefined ? [] : ['-l', host.user]),
    ...(host.port === undefined ? [] : ['-p', String(host.port)]),
    '-G',
    '--',
    host.host,
  ]
  const settings = parseSshG(await run('ssh', args))
  const hostname = settings.get('hostname')?.[0] ?? host.host
  const port = Number(settings.get('port')?.[0] ?? 22)
  // What ssh itself looks a key up by: the alias if set, else the address as it dials it.
  const lookup = settings.get('hostkeyalias')?.[0] ?? (port === 22 ? hostname : `[${hostname}]:${port}`)
  // ssh names files that need not exist (known_hosts2, the global ones): no process for those.
  const files = [...(settings.get('userknownhostsfile') ?? []), ...(settings.get('globalknownhostsfile') ?? [])].filter((file) => file !== 'none' && existsSync(file))
  const found = await Promise.all(files.map((file) => run('ssh-keygen', ['-F', lookup, '-f', file]).catch(() => '')))
  const target: RelayTarget = {
    address: host.relayAddress?.host ?? hostname,
    port: host.relayAddress?.port ?? port,
    user: settings.get('user')?.[0] ?? host.user ?? 'root',
    alias,
  }
  return { target, knownHosts: found.flatMap((text) => aliasKnownHosts(text, alias)) }
}

/** `ssh -G` output as setting → its words (lower-case names, as ssh prints them). */
export function parseSshG(output: string): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  for (const line of output.split('\n')) {
    const [name, ...words] = line.trim().split(/\s+/)
    if (name !== undefined && name !== '' && !settings.has(name)) settings.set(name, words)
  }
  return settings
}

/**
 * `ssh-keygen -F` lines (comments, then entries whose host field may be hashed), each
 * entry filed under `alias` instead; a `@revoked` or `@cert-authority` marker is kept.
 */
export function aliasKnownHosts(output: string, alias: string): string[] {
  return output.split('\n').flatMap((line) => {
    const fields = line.trim().split(/\s+/)
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return []
    const marker = fields[0].startsWith('@') ? [fields.shift()!] : []
    fields.shift()
    return fields.length < 2 ? [] : [[...marker, alias, ...fields].join(' ')]
  })
}

/**
 * Processes started here at once, at most: the lookups run while the hosts' connections
 * are being made, and a hundred hosts' worth at once would slow those down.
 */
const MAX_RUNNING = 8
let running = 0
const waiting: (() => void)[] = []

async function run(file: string, args: string[]): Promise<string> {
  // A finished process hands its slot to the next one waiting, as it is.
  if (running < MAX_RUNNING) running++
  else await new Promise<void>((go) => waiting.push(go))
  try {
    return await new Promise((resolve, reject) => {
      execFile(file, args, { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(stderr.trim().split('\n').pop() || error.message))
        else resolve(stdout)
      })
    })
  } finally {
    const next = waiting.shift()
    if (next === undefined) running--
    else next()
  }
}
