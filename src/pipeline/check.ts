/**
 * `check`: can berth deploy to each host? Connects (which proves reachability, auth and
 * the host key) and reports the prerequisites: sh, tar, git when needed, write access to
 * deployTo, free disk. Changes nothing.
 */
import type { ResolvedConfig, StoreConfig } from '../config/types.js'
import { toBerthError } from '../errors.js'
import { deliveryFor } from '../delivery/strategies.js'
import { script } from '../remote/script.js'
import { checkScript, HTTP_CLIENT } from '../remote/check.js'
import type { RunOptions } from './context.js'
import { selectRunHosts } from '../inventory/select.js'
import { onEachHost, type PerHost } from './fleet-read.js'
import { selectHosts } from './hooks.js'
import { relayProbes, RELAY_TOOLS } from './check-relay.js'

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

/**
 * `httpFor`: what needs curl or wget on the host, for the message when neither is there
 * (`delivery.via: store` fetches with one; an http check in a hook polls with one).
 */
export function parseCheck(output: string, deployTo: string, httpFor = 'the http checks in hooks need one'): HostCheck {
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
    check.problems.push(tool === HTTP_CLIENT ? `neither curl nor wget is installed: ${httpFor}` : `${tool} is not installed`)
  }
  if (!check.writable.ok) check.problems.push(`${check.writable.path} is not writable (deployTo is ${deployTo})`)
  if (check.freeKiB !== null && check.freeKiB < MIN_FREE_KIB) check.problems.push(`only ${Math.round(check.freeKiB / 1024)} MiB free`)
  return check
}

export async function checkHosts(config: ResolvedConfig, options: RunOptions = {}): Promise<PerHost<HostCheck>[]> {
  const delivery = deliveryFor(config)
  const tools = ['sh', 'tar', 'mkdir', 'ln', 'mv', 'readlink', ...delivery.hostTools]
  const httpFor = delivery.hostTools.includes(HTTP_CLIENT) ? 'delivery.via store fetches blobs with one' : undefined
  const hosts = selectRunHosts(config.hosts, options, config.environment)
  const storeProblem = config.delivery.via === 'store' ? probeStore(config.delivery.store) : Promise.resolve(null)
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
      const mine = [...tools, ...(probe === undefined ? [] : RELAY_TOOLS), ...(httpHosts.has(host.name) && !tools.includes(HTTP_CLIENT) ? [HTTP_CLIENT] : [])]
      return script(probe?.command ?? '', checkScript(config.deployTo, mine))
    },
    (result, host) => {
      relays.get(host.name)?.read(result.stdout)
      return parseCheck(result.stdout, config.deployTo, httpFor)
    },
    (host) => {
      const probe = relays.get(host.name)
      return probe === undefined ? { step: 'check' } : { step: 'check', stdin: probe.input() }
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
  // Every host's deploy needs the store, so each says so.
  const problem = await storeProblem
  if (problem !== null) for (const check of checked) if (check.ok) check.value.problems.push(problem)
  return checked
}

/** One listing request with this machine's credentials, while the hosts are checked; null when it answered. */
async function probeStore(store: StoreConfig): Promise<string | null> {
  try {
    const client = await (await import('../store/client.js')).openBlobStore(store)
    try {
      await client.probe()
    } finally {
      client.close()
    }
    return null
  } catch (error) {
    return `this machine cannot use the store: ${toBerthError(error).message}`
  }
}
