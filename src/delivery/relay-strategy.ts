/**
 * `delivery.via: relay` (README, "Through relay hosts"): the upload strategy's streams
 * (the same per-host deltas, packed once per kind of host) travel once from this machine to
 * each relay, which passes them on to the hosts it serves over ssh connections of its own.
 * SSH stays the only control plane: this machine still drives every host's steps over its
 * own connection; only the file bytes take the relay's path.
 *
 * Inside `forHosts` (under the lock, before the fetch step), one command per relay
 * (`remote/relay.ts`) gets one archive on stdin: the distinct streams its hosts need, the
 * host keys this machine trusts for them and one job per host. Each host ends up with its
 * stream staged in its release's delivery directory, and its fetch step unpacks from there
 * (`receiveRelease`), copying unchanged files from its own live release as a direct upload
 * does. Staging first and unpacking in the fetch step keeps the fetch step, the executor and
 * the two-phase switch as they are: a host the relay could not reach gets a fetch command
 * that fails with the reason, and `onFailure` decides the rest; a relay that fails takes
 * only its own hosts down.
 */
import { randomUUID } from 'node:crypto'
import { stat } from 'node:fs/promises'
import type { HostConfig } from '../config/types.js'
import { InterruptedError, RemoteCommandError, toBerthError } from '../errors.js'
import { parseRelayStatus, relayedStream, relayFailure, relayFanOut, relayJobs, relayStagingDir, stageRelayed, RELAY_JOBS, RELAY_KNOWN_HOSTS, type RelayJob } from '../remote/relay.js'
import { receiveRelease } from '../remote/release.js'
import { KnownHostsFiles } from './relay-known-hosts.js'
import { relayAlias, relayTargets, resolveRelayTarget, type ResolvedTarget } from './relay-targets.js'
import { spreadOverRelays, type RelayRoute, type Routing } from './relay-route.js'
import { LONG_DELIVERY_BYTES, type DeliveryContext, type DeliveryStrategy, type HostDelivery } from './strategy.js'
import { tarWithFiles } from './tar-entries.js'
import { directDelivery, uploadStrategy, type HandOver, type HostShipment } from './upload-strategy.js'

export function relayStrategy(): DeliveryStrategy {
  const upload = uploadStrategy(throughRelays)
  return {
    ...upload,
    describe: (release) => `unpack the new and changed files a relay passed on into releases/${release} (the rest copied on the host from the live release)`,
    preview: (layout, release) => receiveRelease(layout, release, null, '<live release>', relayedStream(layout, release)),
    route: relayRouting,
  }
}

/**
 * Which relay serves which host, for the plan, `check` and the deploy alike: a
 * `transport: local` host is this machine, and its stream needs no relay.
 */
function relayRouting(config: DeliveryContext['config'], hosts: string[]): Routing {
  const relays = config.delivery.via === 'relay' ? config.delivery.relays : []
  const local = hosts.filter((name) => config.hosts.find((host) => host.name === name)?.transport === 'local')
  const routing = spreadOverRelays(relays, hosts.filter((name) => !local.includes(name)))
  return { ...routing, direct: [...routing.direct, ...local] }
}

const throughRelays: HandOver = (ctx, hosts, input) => {
  const { config } = ctx
  const relays = config.delivery.via === 'relay' ? config.delivery.relays : []
  const aliases = new Map(hosts.map((host, index) => [host.host.name, relayAlias(host.host.name, index)]))
  // The run's known-hosts files, each read once for all its hosts.
  let known = new KnownHostsFiles()
  // Resolved while the hosts connect and the release is packed: `ssh -G` on this machine is
  // off the critical path. An empty answer is looked up again under the lock (with
  // `accept-new`, this run's own connection may have just recorded the key).
  const resolving = new Map<string, Promise<ResolvedTarget>>()
  const resolve = (host: HostConfig): Promise<ResolvedTarget> => {
    let found = resolving.get(host.name)
    if (found === undefined) {
      found = resolveRelayTarget(host, config.ssh.config, aliases.get(host.name)!, known)
      found.catch(() => {})
      resolving.set(host.name, found)
    }
    return found
  }
  const served = (routing: Routing): Set<string> => new Set(routing.routes.flatMap((route) => route.hosts.filter((name) => name !== route.relay)))
  const expected = served(relayRouting(config, hosts.map((host) => host.host.name)))
  for (const host of hosts) if (expected.has(host.host.name)) void resolve(host.host)
  let reread = false
  const again = async (host: HostConfig): Promise<ResolvedTarget> => {
    const first = await resolve(host)
    if (first.knownHosts.length > 0) return first
    // Once for the run: the files are read afresh for every host still without a key.
    if (!reread) {
      reread = true
      known = new KnownHostsFiles()
    }
    resolving.delete(host.name)
    return resolve(host)
  }
  return async (shipped) => {
    const byName = new Map(shipped.map((part) => [part.host.host.name, part]))
    const routing = relayRouting(config, [...byName.keys()])
    const handed = new Map<string, HostDelivery>()
    const unrelayed = routing.direct.filter((name) => byName.get(name)!.host.host.transport !== 'local')
    if (unrelayed.length > 0) {
      const who = unrelayed.length === 1 ? `${unrelayed[0]} gets` : `${unrelayed.join(', ')} get`
      ctx.report({ kind: 'log', level: 'info', message: `no relay (${relays.join(', ')}) is part of this run: ${who} the release straight from this machine` })
    }
    for (const name of routing.direct) handed.set(name, directDelivery(ctx, input.release, byName.get(name)!))
    await Promise.all(
      routing.routes.map(async (route) => {
        const parts = route.hosts.map((name) => byName.get(name)!)
        for (const [name, part] of await relayRoute(ctx, input.release, route, parts, again)) handed.set(name, part)
      }),
    )
    return handed
  }
}

/** One relay: stage its hosts' streams there, fan them out, and say what each host's fetch does. */
async function relayRoute(ctx: DeliveryContext, release: string, route: RelayRoute, parts: HostShipment[], resolve: (host: HostConfig) => Promise<ResolvedTarget>): Promise<Map<string, HostDelivery>> {
  const { layout } = ctx
  const started = performance.now()
  const handed = new Map<string, HostDelivery>()
  const failed: string[] = []
  const fail = (name: string, message: string): void => {
    failed.push(name)
    handed.set(name, { command: relayFailure(message), display: `receive the release from relay ${route.relay}` })
  }
  const done = (bytes: number): Map<string, HostDelivery> => {
    ctx.report({ kind: 'relay:done', host: route.relay, hosts: route.hosts, failed, bytes, durationMs: performance.now() - started })
    return handed
  }
  const { targets, refused, knownHosts } = await relayTargets(
    route.relay,
    parts.flatMap((part) => (part.host.host.name === route.relay ? [] : [part.host.host])),
    resolve,
  )
  for (const [name, why] of refused) fail(name, why)
  // Hosts on the same live release share one stream: it goes to the relay once.
  const streams = new Map<string, string>()
  const jobs: RelayJob[] = []
  parts.forEach((part, index) => {
    const name = part.host.host.name
    if (refused.has(name)) return
    const stream = streams.get(part.shipment.file) ?? `stream-${streams.size}`
    streams.set(part.shipment.file, stream)
    jobs.push({ index, stream, target: targets.get(name) ?? null, command: stageRelayed(layout, release) })
  })
  if (jobs.length === 0) return done(0)
  const files = await Promise.all([...streams].map(async ([path, name]) => ({ name, mode: 0o600, path, size: (await stat(path)).size })))
  const bytes = files.reduce((sum, file) => sum + file.size, 0)
  const archive = tarWithFiles(
    [
      { name: RELAY_KNOWN_HOSTS, mode: 0o600, content: knownHosts.length === 0 ? '' : `${knownHosts.join('\n')}\n` },
      { name: RELAY_JOBS, mode: 0o600, content: relayJobs(jobs) },
    ],
    files,
  )
  const dir = relayStagingDir(layout, `${release}-${randomUUID().slice(0, 8)}`)
  const command = relayFanOut(layout, dir, { connectTimeoutS: Math.max(1, Math.ceil(ctx.config.ssh.connectTimeoutMs / 1000)), sweep: true })
  let statuses: Map<number, string | null>
  try {
    statuses = parseRelayStatus((await ctx.execWithInput(route.relay, command, archive, `pass the release on to ${route.hosts.join(', ')}`)).stdout)
  } catch (error) {
    const failure = toBerthError(error)
    // Ctrl-C stops the run, not just this relay's hosts.
    if (failure instanceof InterruptedError) throw failure
    // What the relay said last is why; the error itself says which command and how it ended.
    const said = failure instanceof RemoteCommandError ? failure.outputTail.filter((line) => line.trim() !== '').at(-1) : undefined
    const why = said === undefined ? failure.message : `${said} (${failure.message})`
    for (const job of jobs) fail(parts[job.index]!.host.host.name, `relay ${route.relay} could not pass the release on: ${why}`)
    return done(bytes)
  }
  for (const job of jobs) {
    const { host, shipment } = parts[job.index]!
    const name = host.host.name
    const status = statuses.get(job.index)
    if (status === undefined) fail(name, `relay ${route.relay} stopped before it reached ${name}`)
    else if (status !== null) fail(name, name === route.relay ? `relay ${route.relay} could not stage its own release: ${status}` : `relay ${route.relay} could not reach ${name}: ${status}`)
    else
      handed.set(name, {
        command: receiveRelease(layout, release, shipment.compressed, shipment.base, relayedStream(layout, release)),
        display: `unpack the release relayed by ${route.relay} into ${layout.release(release)}`,
        sent: { bytes: shipment.bytesSent, files: shipment.filesSent },
        ...(shipment.bytesSent > LONG_DELIVERY_BYTES ? { isLong: true } : {}),
      })
  }
  return done(bytes)
}
