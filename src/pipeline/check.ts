/**
 * `check`: can berth deploy to each host? Connects (which proves reachability, auth and
 * the host key) and reports the prerequisites: sh, tar, git when needed, write access to
 * deployTo, free disk. Changes nothing.
 */
import type { ResolvedConfig } from '../config/types.js'
import type { HostConfig } from '../config/types.js'
import type { RelayRoute } from '../delivery/relay-route.js'
import { relayAlias, relayTargets, resolveRelayTarget } from '../delivery/relay-targets.js'
import { deliveryFor } from '../delivery/strategies.js'
import { tarOf } from '../delivery/tar-entries.js'
import { parseRelayStatus, PROBE, relayJobs, relayProbe, RELAY_JOBS, RELAY_KNOWN_HOSTS, type RelayJob } from '../remote/relay.js'
import { script } from '../remote/script.js'
import { checkScript, HTTP_CLIENT } from '../remote/check.js'
import type { RunOptions } from './context.js'
import { selectRunHosts } from '../inventory/select.js'
import { onEachHost, type PerHost } from './fleet-read.js'
import { selectHosts } from './hooks.js'

export interface HostCheck {
  tools: Record<string, boolean>
  /** `delivery.via: relay`: the relay that logged in to this host for the check (absent when none did). */
  reachedFrom?: string
  /** Closest existing directory at or above deployTo, and whether it is writable. */
  writable: { path: string; ok: boolean }
  freeKiB: number | null
  problems: string[]
}

/** Below this much free space under deployTo, check reports a problem. */
const MIN_FREE_KIB = 200 * 1024

export function parseCheck(output: string, deployTo: string): HostCheck {
  const check: HostCheck = { tools: {}, writable: { path: deployTo, ok: false }, freeKiB: null, problems: [] }
  for (const line of output.split('\n')) {
    const [key, ...rest] = line.split(' ')
    const value = rest.join(' ')
    if (key === '@have') check.tools[value] = true
    else if (key === '@missing') check.tools[value] = false
    else if (key === '@writable' || key === '@not-writable') check.writable = { path: value, ok: key === '@writable' }
    else if (key === '@free') check.freeKiB = Number(value)
  }
  for (const [tool, ok] of Object.entries(check.tools)) {
    if (ok) continue
    check.problems.push(tool === HTTP_CLIENT ? 'neither curl nor wget is installed: the http checks in hooks need one' : `${tool} is not installed`)
  }
  if (!check.writable.ok) check.problems.push(`${check.writable.path} is not writable (deployTo is ${deployTo})`)
  if (check.freeKiB !== null && check.freeKiB < MIN_FREE_KIB) check.problems.push(`only ${Math.round(check.freeKiB / 1024)} MiB free`)
  return check
}

export async function checkHosts(config: ResolvedConfig, options: RunOptions = {}): Promise<PerHost<HostCheck>[]> {
  const delivery = deliveryFor(config)
  const tools = ['sh', 'tar', 'mkdir', 'ln', 'mv', 'readlink', ...delivery.hostTools]
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const relays = await relayProbes(config, hosts, delivery.route?.(config, hosts.map((host) => host.name)).routes ?? [])
  // http checks poll from the host with curl or wget: only the hosts an http entry runs on need one.
  const httpHosts = new Set(
    Object.values(config.hooks).flatMap((entries) => entries.filter((e) => e.http !== undefined && !e.local).flatMap((e) => selectHosts(e, hosts).map((h) => h.name))),
  )
  const checked = await onEachHost(
    config,
    options,
    (_ctx, host) => {
      const probe = relays.get(host.name)
      const mine = [...tools, ...(probe === undefined ? [] : RELAY_TOOLS), ...(httpHosts.has(host.name) ? [HTTP_CLIENT] : [])]
      return script(probe === undefined ? '' : relayProbe(Math.max(1, Math.ceil(config.ssh.connectTimeoutMs / 1000))), checkScript(config.deployTo, mine))
    },
    (result, host) => {
      const check = parseCheck(result.stdout, config.deployTo)
      const probe = relays.get(host.name)
      if (probe !== undefined) probe.statuses = parseRelayStatus(result.stdout)
      return check
    },
    (host) => {
      const probe = relays.get(host.name)
      return probe === undefined ? { step: 'check' } : { step: 'check', stdin: tarOf([{ name: RELAY_KNOWN_HOSTS, mode: 0o600, content: probe.knownHosts }, { name: RELAY_JOBS, mode: 0o600, content: relayJobs(probe.jobs) }]) }
    },
  )
  for (const probe of relays.values()) {
    for (const [name, problem] of probe.results()) {
      const entry = checked.find((c) => c.host.name === name)
      if (entry?.ok !== true) continue
      if (problem === null) entry.value.reachedFrom = probe.relay
      else entry.value.problems.push(problem)
    }
  }
  return checked
}

/** What a relay needs beyond the usual tools: it runs its own ssh, several at once. */
const RELAY_TOOLS = ['ssh', 'xargs']

interface RelayProbe {
  relay: string
  jobs: RelayJob[]
  knownHosts: string
  /** The relay's status lines, once it answered. */
  statuses?: Map<number, string | null>
  /** Per host it serves: null when the relay logged in, else the problem. */
  results(): [string, string | null][]
}

/**
 * One probe per relay (`delivery.via: relay`): the hosts it serves, each resolved on this
 * machine as a deploy would (`relay-targets.ts`); the relay then logs in to each with
 * strict host keys, the same way it passes a release on.
 */
async function relayProbes(config: ResolvedConfig, hosts: HostConfig[], routes: RelayRoute[]): Promise<Map<string, RelayProbe>> {
  const probes = new Map<string, RelayProbe>()
  await Promise.all(
    routes.map(async (route) => {
      const served = route.hosts.filter((name) => name !== route.relay).map((name) => hosts.find((host) => host.name === name)!)
      const { targets, refused, knownHosts } = await relayTargets(route.relay, served, (host) => resolveRelayTarget(host, config.ssh.config, relayAlias(host.name, hosts.indexOf(host))))
      const jobs = served.flatMap((host, index): RelayJob[] => {
        const target = targets.get(host.name)
        return target === undefined ? [] : [{ index, target, ...PROBE }]
      })
      const probe: RelayProbe = {
        relay: route.relay,
        jobs,
        knownHosts: knownHosts.length === 0 ? '' : `${knownHosts.join('\n')}\n`,
        results: () =>
          served.map((host, index): [string, string | null] => {
            const status = probe.statuses?.get(index)
            if (refused.has(host.name)) return [host.name, refused.get(host.name)!]
            if (status === undefined) return [host.name, `relay ${route.relay} did not say whether it can reach ${host.name}`]
            return [host.name, status === null ? null : `relay ${route.relay} cannot reach ${host.name}: ${status}`]
          }),
      }
      probes.set(route.relay, probe)
    }),
  )
  return probes
}
