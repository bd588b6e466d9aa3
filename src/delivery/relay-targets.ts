/**
 * How a relay reaches each of its hosts, decided on this machine (README, "Through relay
 * hosts"): the address, port and user `ssh -G` resolves for the host here (the run's
 * `ssh.config` included; asked once per host per run, `transport/ssh-resolve.ts`), unless
 * the host sets `relayAddress`; and the host keys this machine trusts for it, found in the
 * known-hosts files `ssh -G` names (read in-process, `relay-known-hosts.ts`), filed under
 * an alias of berth's choosing for the relay's own `known_hosts`. The relay never trusts a
 * key this machine would not.
 */
import type { HostConfig } from '../config/types.js'
import type { RelayTarget } from '../remote/relay.js'
import { resolveSsh } from '../transport/ssh-resolve.js'
import type { KnownHostsFiles } from './relay-known-hosts.js'

export interface ResolvedTarget {
  target: RelayTarget
  /** known_hosts lines for the relay, under `target.alias`; none when this machine knows no key. */
  knownHosts: string[]
  /** This machine trusts a certificate authority for the host, which the relay could not use alike. */
  authoritiesLeftOut?: boolean
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
    else if (result.answer.knownHosts.length === 0)
      found.refused.set(
        host.name,
        result.answer.authoritiesLeftOut === true
          ? `relay ${relay} cannot check ${host.name}'s host key: this machine trusts it through a certificate authority, which the relay would check against another name (${result.answer.target.alias}); add its host key to known_hosts`
          : `relay ${relay} cannot check ${host.name}'s host key: this machine has none on file for it`,
      )
    else {
      found.targets.set(host.name, result.answer.target)
      found.knownHosts.push(...result.answer.knownHosts)
    }
  })
  return found
}

/**
 * Resolves `host` for a relay, its keys looked up in `known` (one run's reading of the
 * known-hosts files); rejects with ssh's own message when `ssh -G` cannot read its config.
 */
export async function resolveRelayTarget(host: HostConfig, sshConfigFile: string | undefined, alias: string, known: KnownHostsFiles): Promise<ResolvedTarget> {
  const settings = await resolveSsh({
    host: host.host,
    ...(sshConfigFile === undefined ? {} : { sshConfigFile }),
    ...(host.user === undefined ? {} : { user: host.user }),
    ...(host.port === undefined ? {} : { port: host.port }),
  })
  const hostname = settings.get('hostname')?.[0] ?? host.host
  const port = Number(settings.get('port')?.[0] ?? 22)
  // What ssh itself looks a key up by: the alias if set, else the address as it dials it.
  const lookup = settings.get('hostkeyalias')?.[0] ?? (port === 22 ? hostname : `[${hostname}]:${port}`)
  const files = [...(settings.get('userknownhostsfile') ?? []), ...(settings.get('globalknownhostsfile') ?? [])].filter((file) => file !== 'none')
  const target: RelayTarget = {
    address: host.relayAddress?.host ?? hostname,
    port: host.relayAddress?.port ?? port,
    user: settings.get('user')?.[0] ?? host.user ?? 'root',
    alias,
  }
  // ssh checks a host certificate's principals against this name; the relay, against `alias`.
  const principal = settings.get('hostkeyalias')?.[0] ?? hostname
  const found = await known.find(files, lookup, alias, principal === alias)
  return { target, knownHosts: found.lines, ...(found.authoritiesLeftOut ? { authoritiesLeftOut: true } : {}) }
}
