/**
 * `delivery.via: store` (README, "Delivery at scale"): the release tree is read as the
 * upload reads it, and each host's delta against its live release is worked out the same
 * way; but the new and changed files go once into an S3-compatible store as blobs (only
 * those it lacks: `store-blobs.ts`), and each host gets over SSH only metadata — its file
 * list, the paths to copy from its live release, and presigned GET URLs of the blobs it
 * needs — and fetches them itself (`remote/store.ts`). Bytes leaving this machine: the
 * new blobs once, whatever the number of hosts.
 */
import { Readable } from 'node:stream'
import type { StoreConfig } from '../config/types.js'
import { HTTP_CLIENT } from '../remote/check.js'
import { receiveFromStore } from '../remote/store.js'
import { StateError } from '../errors.js'
import type { BlobStore } from '../store/client.js'
import { blobKey, packKey } from '../store/keys.js'
import { hostBase } from './host-base.js'
import { recordLiveRelease } from './live-cache.js'
import { diffManifests, parseManifest, serializeManifest } from './manifest.js'
import { cacheManifest, manifestCacheDir, manifestSum } from './manifest-cache.js'
import { createSourceOpener } from './release-source.js'
import { ensureBlobs } from './store-blobs.js'
import { baseKey } from './upload.js'
import { storeStream } from './store-stream.js'
import { LONG_DELIVERY_BYTES, type Delivery, type DeliveryStrategy, type HostDelivery } from './strategy.js'

/** What curl's config and a host's shell may carry as they are (checked before any host sees one). */
const PLAIN_URL = /^https?:\/\/[^\s"'\\]+$/

export function storeStrategy(store: StoreConfig): DeliveryStrategy {
  const open = createSourceOpener()
  return {
    name: 'upload',
    hostTools: [HTTP_CLIENT, 'sha256sum', 'cp', 'xargs', 'find'],
    inspect: { withFiles: true },
    describe: (release) => `fetch new and changed files from the store into releases/${release} (the rest copied on the host from the live release)`,
    preview: (layout, release) => `${receiveFromStore(layout, release, null, '<live release>')}\n# stdin: file list, <presigned URLs>`,
    start(ctx, _hosts, input) {
      const source = open(ctx, input)
      // The SDK loads (~150 ms) while the hosts connect.
      const client = import('../store/client.js').then((m) => m.openBlobStore(store))
      client.catch(() => {})
      let listing: string | null = null
      const delivery: Delivery = {
        async forHosts(locked) {
          try {
            const tree = await source.read()
            const text = serializeManifest(tree.manifest)
            const bases = await Promise.all(locked.map((host) => hostBase(ctx, host)))
            const plans = bases.map((base) => {
              const manifest = base.live !== null && base.files !== null ? parseManifest(base.files) : null
              return { base, from: manifest === null ? null : base.live, delta: diffManifests(manifest, tree.manifest) }
            })
            // Hosts on the same live release with the same file list get the same stream.
            const groups = new Map<string, (typeof plans)[number]>()
            for (const plan of plans) if (!groups.has(baseKey(plan.base))) groups.set(baseKey(plan.base), plan)
            const blobStore: BlobStore = await client
            const { hexOf, fetches, report } = await ensureBlobs(blobStore, store, tree, [...groups.values()].map((plan) => plan.delta.send), { cacheDir: ctx.cacheDir, workDir: input.workDir })
            ctx.report({ kind: 'store:put', blobs: report.put, packs: report.packs, bytes: report.bytes, present: report.present })
            const fetchOf = new Map([...groups.keys()].map((key, i) => [key, fetches[i]!]))
            const blobs = [...new Set(fetches.flatMap((fetch) => fetch.single))]
            const packs = [...new Set(fetches.flatMap((fetch) => fetch.packs.map((pack) => pack.id)))]
            const signed = await blobStore.presign([...blobs.map((hex) => blobKey(store, hex)), ...packs.map((id) => packKey(store, id))])
            for (const url of signed.values()) {
              if (!PLAIN_URL.test(url)) throw new StateError('the store signs URLs with characters berth does not pass to a host', { step: 'fetch', hint: 'use an http(s) endpoint whose host name is plain (delivery.store.endpoint)' })
            }
            const urls = { blobs: new Map(blobs.map((hex) => [hex, signed.get(blobKey(store, hex))!])), packs: new Map(packs.map((id) => [id, signed.get(packKey(store, id))!])) }
            const streams = new Map<string, Promise<Buffer>>()
            const streamFor = ({ base, from, delta }: (typeof plans)[number]): Promise<Buffer> => {
              const key = baseKey(base)
              let stream = streams.get(key)
              if (stream === undefined) streams.set(key, (stream = storeStream({ release: input.release, manifest: tree.manifest, listing: text, delta, base: from, hexOf, fetch: fetchOf.get(key)!, urls }, base.gzip)))
              return stream
            }
            const entries = await Promise.all(
              plans.map(async (plan): Promise<[string, HostDelivery]> => {
                const { base, from } = plan
                const stdin = await streamFor(plan)
                return [
                  base.host,
                  {
                    command: receiveFromStore(ctx.layout, input.release, base.gzip, from),
                    stdin: () => Readable.from([stdin]),
                    display: `fetch the release's blobs from the store into ${ctx.layout.release(input.release)}`,
                    ...(plan.delta.bytesSent > LONG_DELIVERY_BYTES ? { isLong: true } : {}),
                  },
                ]
              }),
            )
            await cacheManifest(text, manifestCacheDir(ctx.cacheDir))
            listing = text
            return new Map(entries)
          } finally {
            await source.dispose()
          }
        },
        artifact: async () => manifestSum(listing ?? serializeManifest((await source.read()).manifest)),
        async recordLive(live) {
          if (listing === null) return
          await recordLiveRelease(live, ctx.config.deployTo, { live: input.release, sum: manifestSum(listing) }, ctx.cacheDir)
        },
        async close() {
          await source.dispose()
          await client.then((c) => c.close()).catch(() => {})
        },
      }
      return delivery
    },
  }
}
