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
import { liveCacheDir, liveCacheKey, readLiveGuess, recordLiveGuess } from './live-cache.js'
import { cacheManifest, manifestCacheDir, manifestSum, readCachedManifest } from './manifest-cache.js'
import { createSourceOpener } from './release-source.js'
import type { Delivery, DeliveryContext, DeliveryHost, DeliveryStrategy, HostDelivery } from './strategy.js'
import { createShipper, type HostBase } from './upload.js'

export function uploadStrategy(): DeliveryStrategy {
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
      let shipped = false
      const delivery: Delivery = {
        async forHosts(locked) {
          try {
            const bases = await Promise.all(locked.map((host) => hostBase(ctx, host)))
            const entries = await Promise.all(
              bases.map(async (base): Promise<[string, HostDelivery]> => {
                const shipment = await shipper.shipFor(base)
                return [
                  base.host,
                  {
                    command: receiveRelease(ctx.layout, input.release, shipment.compressed, shipment.base),
                    stdin: shipment.open,
                    display: `unpack the release into ${ctx.layout.release(input.release)}`,
                    sent: { bytes: shipment.bytesSent, files: shipment.filesSent },
                  },
                ]
              }),
            )
            await cacheManifest(await shipper.listing(), manifestCacheDir(ctx.cacheDir))
            shipped = true
            return new Map(entries)
          } finally {
            await source.dispose()
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
