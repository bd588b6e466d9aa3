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
import { hostBase } from './host-base.js'
import { liveCacheDir, liveCacheKey, readLiveGuess, recordLiveRelease } from './live-cache.js'
import { cacheManifest, manifestCacheDir, manifestSum, readCachedManifest } from './manifest-cache.js'
import { createSourceOpener } from './release-source.js'
import type { Delivery, DeliveryContext, DeliveryHost, DeliveryInput, DeliveryStrategy, HostDelivery } from './strategy.js'
import { createShipper, type HostBase, type Shipment } from './upload.js'

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
  const open = createSourceOpener()
  return {
    name: 'upload',
    hostTools: [],
    inspect: { withFiles: true },
    describe: (release) => `upload new and changed files into releases/${release} (the rest copied on the host from the live release)`,
    preview: (layout, release) => receiveRelease(layout, release, null, '<live release>'),
    start(ctx, hosts, input) {
      const { config } = ctx
      const source = open(ctx, input)
      const shipper = createShipper(source.read, input.workDir, input.release)
      // Build steps run only under the lock: with them, nothing is packed before it. A tree
      // known already (the commit as it is, an artifact being promoted) is packed at once.
      const guesses = source.isKnownEarly ? hosts.map((host) => guessBase(ctx, host).then((base) => base && shipper.shipFor(base)).catch(() => {})) : []
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
            await source.dispose()
          }
        },
        artifact: async () => manifestSum(await shipper.listing()),
        async recordLive(live) {
          if (!shipped) return
          await recordLiveRelease(live, config.deployTo, { live: input.release, sum: manifestSum(await shipper.listing()) }, ctx.cacheDir)
        },
        async close() {
          await Promise.all(guesses)
          await shipper.settled()
          await source.dispose()
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
