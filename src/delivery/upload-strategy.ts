/**
 * The `upload` delivery: the release is read from git on this machine (or exported and
 * built, with `build` steps, once per set of build inputs: `build-once.ts`; or given as an
 * artifact, by `promote`), and each host receives one tar stream of only the files its
 * live release lacks, the rest copied from that release on arrival (`upload.ts`).
 * Without build steps, packing starts at once for the release this machine last left live
 * on each host (`live-cache.ts`), while connections are still being made; the host's own
 * answer, read under the lock, decides what is really sent.
 */
import { receiveRelease } from '../remote/release.js'
import { readLiveFiles } from '../remote/inspect.js'
import { readGitSource } from './git-source.js'
import { liveCacheDir, liveCacheKey, readLiveGuess, recordLiveGuess } from './live-cache.js'
import { cacheManifest, manifestCacheDir, manifestSum, readCachedManifest } from './manifest-cache.js'
import type { Delivery, DeliveryContext, DeliveryHost, DeliveryInput, DeliveryStrategy, HostDelivery } from './strategy.js'
import { builtSource } from './build-once.js'
import { treeSource } from './tarball.js'
import type { ReleaseTree } from './tree.js'
import { createShipper, type HostBase, type ReleaseSource, type Shipment } from './upload.js'

/** A host's packed stream (`upload.ts`), ready to be handed over. */
export interface HostShipment {
  host: DeliveryHost
  shipment: Shipment
}

/**
 * How the packed streams reach the hosts, made when the delivery starts: each stream on
 * its host's fetch step's stdin (`direct`), or through relay hosts (`relay-strategy.ts`).
 */
export type HandOver = (ctx: DeliveryContext, hosts: DeliveryHost[], input: DeliveryInput) => (shipped: HostShipment[]) => Promise<Map<string, HostDelivery>>

/** The host's part of the fetch step when its stream comes straight from this machine. */
export function directDelivery(ctx: DeliveryContext, release: string, { shipment }: HostShipment): HostDelivery {
  return {
    command: receiveRelease(ctx.layout, release, shipment.compressed, shipment.base),
    stdin: shipment.open,
    display: `unpack the release into ${ctx.layout.release(release)}`,
    sent: { bytes: shipment.bytesSent, files: shipment.filesSent },
  }
}

const direct: HandOver = (ctx, _hosts, input) => async (shipped) => new Map(shipped.map((part) => [part.host.host.name, directDelivery(ctx, input.release, part)]))

export function uploadStrategy(handOver: HandOver = direct): DeliveryStrategy {
  // The commit as git holds it, read once per run even when the release is renamed.
  const sources = new Map<string, Promise<ReleaseSource>>()
  const gitSource = (input: DeliveryInput, subdir: string | undefined, cacheDir: string): Promise<ReleaseSource> => {
    let source = sources.get(input.sha)
    if (source === undefined) {
      source = readGitSource(input.repoDir, input.sha, subdir, cacheDir)
      // Awaited when a stream is packed; a run that stops first must not see it as unhandled.
      source.catch(() => {})
      sources.set(input.sha, source)
    }
    return source
  }
  return {
    name: 'upload',
    hostTools: [],
    inspect: { withFiles: true },
    describe: (release) => `upload new and changed files into releases/${release} (the rest copied on the host from the live release)`,
    preview: (layout, release) => receiveRelease(layout, release, null, '<live release>'),
    start(ctx, hosts, input) {
      const { config } = ctx
      const { artifact } = input
      const isCommitAsIs = artifact === undefined && config.build.length === 0
      if (isCommitAsIs) void gitSource(input, config.subdir, ctx.cacheDir)
      let built: ReleaseTree | undefined
      let source: Promise<ReleaseSource> | undefined
      const readSource = async (): Promise<ReleaseSource> => {
        if (artifact !== undefined) return treeSource(artifact.root, artifact.manifest, input.workDir)
        if (isCommitAsIs) return gitSource(input, config.subdir, ctx.cacheDir)
        return builtSource(ctx, input, (tree) => (built = tree))
      }
      const shipper = createShipper(() => (source ??= readSource()), input.workDir, input.release)
      // Build steps run only under the lock: with them, nothing is packed before it. A tree
      // known already (the commit as it is, an artifact being promoted) is packed at once.
      const guesses = isCommitAsIs || artifact !== undefined ? hosts.map((host) => guessBase(ctx, host).then((base) => base && shipper.shipFor(base)).catch(() => {})) : []
      const hand = handOver(ctx, hosts, input)
      let shipped = false
      const delivery: Delivery = {
        async forHosts(locked) {
          try {
            const parts = await Promise.all(locked.map(async (host): Promise<HostShipment> => ({ host, shipment: await shipper.shipFor(await hostBase(ctx, host)) })))
            const handed = await hand(parts)
            await cacheManifest(await shipper.listing(), manifestCacheDir(ctx.cacheDir))
            shipped = true
            return handed
          } finally {
            await built?.dispose()
            built = undefined
          }
        },
        artifact: async () => manifestSum(await shipper.listing()),
        async recordLive(live) {
          if (!shipped) return
          const sum = manifestSum(await shipper.listing())
          await Promise.all(live.map((host) => recordLiveGuess(liveCacheKey(host.host, config.deployTo), { live: input.release, sum, gzip: host.state?.gzip === true }, liveCacheDir(ctx.cacheDir))))
        },
        async close() {
          await Promise.all(guesses)
          await shipper.settled()
          await built?.dispose()
          built = undefined
        },
      }
      return delivery
    },
  }
}

/** The base this machine last left live on the host, when its file list is still cached here. */
async function guessBase(ctx: DeliveryContext, host: DeliveryHost): Promise<HostBase | null> {
  const guess = await readLiveGuess(liveCacheKey(host.host, ctx.config.deployTo), liveCacheDir(ctx.cacheDir))
  const text = guess === null ? null : await readCachedManifest(guess.sum, manifestCacheDir(ctx.cacheDir))
  return guess === null || text === null ? null : { host: host.host.name, live: guess.live, files: text.split('\n'), gzip: guess.gzip }
}

/**
 * What a host's live release holds: its file list from this machine's cache when the host
 * reports a hash that is there, else read from the host (one more round trip, that host only).
 */
async function hostBase(ctx: DeliveryContext, host: DeliveryHost): Promise<HostBase> {
  const name = host.host.name
  const live = host.state?.current ?? null
  const gzip = host.state?.gzip === true
  if (live === null || host.state?.currentHasFiles !== true) return { host: name, live, files: null, gzip }
  const sum = host.state.currentFilesSum
  const text = (sum === null ? null : await readCachedManifest(sum, manifestCacheDir(ctx.cacheDir))) ?? (await ctx.exec(name, readLiveFiles(ctx.layout, live))).stdout
  // A file changed on the host since it was delivered is not the file its list names: sent again.
  const modified = new Set(host.state.modifiedFiles)
  const files = text.split('\n').filter((line) => modified.size === 0 || !modified.has(pathOfLine(line)))
  return { host: name, live, files, gzip }
}

/** The path a file-list line names (see `manifest.ts`); '' for a line it cannot read. */
function pathOfLine(line: string): string {
  try {
    const row: unknown = JSON.parse(line)
    return Array.isArray(row) && typeof row[1] === 'string' ? row[1] : ''
  } catch {
    return ''
  }
}
