/**
 * `check` with `delivery.via: relay`: from each relay, whether each host it serves can be
 * reached the way a deploy would pass the release on (resolved on this machine by
 * `relay-targets.ts`, strict host keys on the relay), with one probe per relay that rides
 * with that relay's own check (`remote/relay.ts`, `relayProbe`).
 */
import type { Readable } from 'node:stream'
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import type { RelayRoute } from '../delivery/relay-route.js'
import { KnownHostsFiles } from '../delivery/relay-known-hosts.js'
import { relayAlias, relayTargets, resolveRelayTarget } from '../delivery/relay-targets.js'
import { tarOf } from '../delivery/tar-entries.js'
import { parseRelayStatus, PROBE, relayJobs, relayProbe, RELAY_JOBS, RELAY_KNOWN_HOSTS, type RelayJob } from '../remote/relay.js'

/** What a relay needs beyond the usual tools: it runs its own ssh, several at once. */
export const RELAY_TOOLS = ['ssh', 'xargs']

interface RelayProbe {
  relay: string
  /** Runs before the relay's own check, in the same command. */
  command: string
  /** The probe's stdin: the run's known_hosts and its jobs. */
  input(): Readable
  /** Takes the relay's status lines from its check's output. */
  read(stdout: string): void
  /** Per host it serves: null when the relay logged in, else the problem. */
  results(): [string, string | null][]
}

/** One probe per relay of `routes`, by relay name. */
export async function relayProbes(config: ResolvedConfig, hosts: HostConfig[], routes: RelayRoute[]): Promise<Map<string, RelayProbe>> {
  const probes = new Map<string, RelayProbe>()
  const known = new KnownHostsFiles()
  await Promise.all(
    routes.map(async (route) => {
      const served = route.hosts.filter((name) => name !== route.relay).map((name) => hosts.find((host) => host.name === name)!)
      const { targets, refused, knownHosts } = await relayTargets(route.relay, served, (host) => resolveRelayTarget(host, config.ssh.config, relayAlias(host.name, hosts.indexOf(host)), known))
      const jobs = served.flatMap((host, index): RelayJob[] => {
        const target = targets.get(host.name)
        return target === undefined ? [] : [{ index, target, ...PROBE }]
      })
      let statuses: Map<number, string | null> | undefined
      probes.set(route.relay, {
        relay: route.relay,
        command: relayProbe(Math.max(1, Math.ceil(config.ssh.connectTimeoutMs / 1000))),
        input: () =>
          tarOf([
            { name: RELAY_KNOWN_HOSTS, mode: 0o600, content: knownHosts.length === 0 ? '' : `${knownHosts.join('\n')}\n` },
            { name: RELAY_JOBS, mode: 0o600, content: relayJobs(jobs) },
          ]),
        read: (stdout) => void (statuses = parseRelayStatus(stdout)),
        results: () =>
          served.map((host, index): [string, string | null] => {
            const status = statuses?.get(index)
            if (refused.has(host.name)) return [host.name, refused.get(host.name)!]
            if (status === undefined) return [host.name, `relay ${route.relay} did not say whether it can reach ${host.name}`]
            return [host.name, status === null ? null : `relay ${route.relay} cannot reach ${host.name}: ${status}`]
          }),
      })
    }),
  )
  return probes
}
