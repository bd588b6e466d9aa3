/**
 * Incremental upload: each host gets one tar stream (gzipped when small) of only the files
 * its live release lacks (new or changed), then the list of the unchanged ones, which the
 * host copies from its live release (see `remote/release.ts`, `receiveRelease`). Hosts on
 * the same live release share one packed stream. A host with
 * no live release, or a damaged file list, gets everything.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { deliveryName } from '../release/layout.js'
import type { BlobFile } from './hash-file.js'
import { tarOf, type TarEntry } from './tar-entries.js'
import { diffManifests, parseManifest, serializeManifest, type Manifest } from './manifest.js'

/** A release tree the upload can read: its manifest, and a way to pack some of its files. */
export interface ReleaseSource {
  manifest: Manifest
  /** Appends a tar of `paths` (every file when 'all') to `file`, each name under `into/`. */
  pack(paths: string[] | 'all', file: string, into: string): Promise<void>
  /**
   * The content of each file of `paths`, by path, as a file on this machine with its sha256:
   * the tree's own file where it has one, else written into `dir` (which exists).
   */
  contents(paths: readonly string[], dir: string): Promise<Map<string, BlobFile>>
}

export interface HostBase {
  host: string
  /** The host's live release, or null. */
  live: string | null
  /** That release's file list as read from the host, or null when it has none. */
  files: string[] | null
  /** The host can unpack a gzip stream (`tar -z`). */
  gzip: boolean
}

export interface Shipment {
  file: string
  open(): Readable
  /** Release the host copies unchanged files from, or null for a full upload. */
  base: string | null
  /** The stream is gzip-compressed (`tar -z`). */
  compressed: boolean
  filesSent: number
  bytesSent: number
  /** Files the host copies from its live release instead of receiving them. */
  filesReused: number
}

/** Beyond this many changed files, one full archive is simpler than naming each path. */
const MAX_DELTA_PATHS = 20_000
/**
 * Streams up to this size are gzipped: a redeploy's changed files and berth's file lists
 * shrink several times for a few milliseconds of CPU. Larger ones (first deploys, big
 * binaries) go as they are: on a fast network compressing them costs more time than it
 * saves; on a slow one, ssh's own `Compression yes` does the job.
 */
const GZIP_MAX_BYTES = 16 * 1024 * 1024

/** Packs the streams of one release, once per kind of host (see `shipFor`). */
export interface Shipper {
  /**
   * The stream for a host on `base`. Hosts on the same live release with the same file
   * list (and the same gzip) share one, packed once: asked for again, even while it is
   * still being packed (a deploy starts packing for the base it expects a host to have
   * before the host has answered), it is the same promise.
   */
  shipFor(base: HostBase): Promise<Shipment>
  /** The new release's file list, as each stream carries it. */
  listing(): Promise<string>
  /** Resolves once nothing is being packed any more (before its directory goes). */
  settled(): Promise<void>
}

/**
 * Hosts with the same key get the same stream: the same live release with the same file
 * list (or none to build on), and the same gzip.
 */
export function baseKey(host: HostBase): string {
  const hasList = host.live !== null && host.files !== null
  return `${host.gzip ? 'gz' : 'raw'}:${hasList ? `${host.live}:${createHash('sha256').update(host.files!.join('\n')).digest('hex')}` : 'full'}`
}

/** A shipper for `release` (the new release's directory name under `releases/`). */
export function createShipper(source: () => Promise<ReleaseSource>, workDir: string, release: string): Shipper {
  const packed = new Map<string, Promise<Shipment>>()
  let listing: Promise<string> | undefined
  const listed = (): Promise<string> => (listing ??= source().then((tree) => serializeManifest(tree.manifest)))
  return {
    listing: listed,
    settled: async () => void (await Promise.allSettled([...packed.values(), ...(listing ? [listing] : [])])),
    shipFor(host) {
      const hasList = host.live !== null && host.files !== null
      const key = baseKey(host)
      let shipment = packed.get(key)
      if (shipment === undefined) {
        const file = join(workDir, `${release}-${packed.size}.tar`)
        shipment = Promise.all([source(), listed()]).then(([tree, list]) => {
          const manifest = hasList ? parseManifest(host.files!) : null
          return pack(tree, list, manifest === null ? null : { live: host.live!, manifest }, host.gzip, file, release)
        })
        // Awaited by whoever asked; a guess nobody comes back for must not be an unhandled rejection.
        shipment.catch(() => {})
        packed.set(key, shipment)
      }
      return shipment
    },
  }
}

async function pack(source: ReleaseSource, listing: string, from: { live: string; manifest: Manifest } | null, gzip: boolean, file: string, release: string): Promise<Shipment> {
  let delta = diffManifests(from?.manifest ?? null, source.manifest)
  let base = from?.live ?? null
  if (base !== null && delta.send.length > MAX_DELTA_PATHS) {
    delta = diffManifests(null, source.manifest)
    base = null
  }
  await writeFile(file, '')
  if (delta.send.length > 0) await source.pack(base === null ? 'all' : delta.send, file, release)
  await appendDeliveryFiles(file, release, base === null ? [] : delta.link, checkedPaths(source.manifest), listing)
  const compressed = gzip && (await stat(file)).size <= GZIP_MAX_BYTES
  const sent = compressed ? await gzipFile(file) : file
  return {
    file: sent,
    open: () => createReadStream(sent),
    base,
    compressed,
    filesSent: delta.send.length,
    bytesSent: delta.bytesSent,
    filesReused: base === null ? 0 : delta.link.length,
  }
}

/**
 * The regular files, for the next deploy's check of what changed on the host (a path
 * with a newline cannot be listed: `diffManifests` never reuses one).
 * REVISION is left out: berth writes it after delivery (see `writeRevision`).
 */
export function checkedPaths(manifest: Manifest): string[] {
  return [...manifest.values()].flatMap((entry) => (entry.type === 'file' && entry.path !== 'REVISION' && !entry.path.includes('\n') ? [entry.path] : []))
}

async function gzipFile(file: string): Promise<string> {
  await pipeline(createReadStream(file), createGzip(), createWriteStream(`${file}.gz`))
  return `${file}.gz`
}

/**
 * A second archive after the files (the host reads both with `tar -i`), into the release's
 * delivery directory beside it (`Layout.delivery`): the new release's file list, which the
 * host files beside the release, and the paths of the unchanged files, NUL-separated (any
 * byte but NUL may be in a path), which the host copies from its live release.
 */
async function appendDeliveryFiles(file: string, release: string, reuse: string[], paths: string[], listing: string): Promise<void> {
  await pipeline(tarOf(deliveryEntries(release, reuse, paths, listing)), createWriteStream(file, { flags: 'a' }))
}

/** The delivery directory's files (see `appendDeliveryFiles`), named relative to `releases/`. */
export function deliveryEntries(release: string, reuse: string[], paths: string[], listing: string): TarEntry[] {
  const dir = deliveryName(release)
  const entries: TarEntry[] = [{ name: `${dir}/files`, mode: 0o644, content: listing }]
  if (reuse.length > 0) entries.push({ name: `${dir}/reuse`, mode: 0o644, content: `${reuse.join('\0')}\0` })
  if (paths.length > 0) entries.push({ name: `${dir}/paths`, mode: 0o644, content: `${paths.join('\n')}\n` })
  return entries
}
