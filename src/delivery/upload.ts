/**
 * Incremental upload: each host gets one tar stream (gzipped when small) of only the files
 * its live release lacks (new or changed), then a hard-link entry for each unchanged file,
 * pointing at the same file in its live release, so one `tar -x` in `releases/` builds the
 * whole new release. Hosts on the same live release share one packed stream. A host with
 * no live release, or a damaged file list, gets everything.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { appendFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { pack as tarPack } from 'tar-stream'
import { DELIVERY_DIR } from '../release/commands.js'
import { encodeLinkEntries } from './link-entries.js'
import { diffManifests, parseManifest, serializeManifest, type Manifest } from './manifest.js'

/** A release tree the upload can read: its manifest, and a way to pack some of its files. */
export interface ReleaseSource {
  manifest: Manifest
  /** Appends a tar of `paths` (every file when 'all') to `file`, each name under `into/`. */
  pack(paths: string[] | 'all', file: string, into: string): Promise<void>
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
  /** Release the host hard-links unchanged files from, or null for a full upload. */
  base: string | null
  /** The stream is gzip-compressed (`tar -z`). */
  compressed: boolean
  filesSent: number
  bytesSent: number
  filesLinked: number
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

/** Streams for `release` (the new release's directory name under `releases/`). */
export async function prepareShipments(source: ReleaseSource, hosts: HostBase[], workDir: string, release: string): Promise<Map<string, Shipment>> {
  const groups = new Map<string, { base: string | null; baseManifest: Manifest | null; gzip: boolean; hosts: string[] }>()
  for (const host of hosts) {
    // Hosts on the same release with the same list share a group: the list is parsed once.
    const listed = host.live !== null && host.files !== null
    const key = `${host.gzip ? 'gz' : 'raw'}:${listed ? `${host.live}:${createHash('sha256').update(host.files!.join('\n')).digest('hex')}` : 'full'}`
    const known = groups.get(key)
    const baseManifest = known !== undefined ? known.baseManifest : listed ? parseManifest(host.files!) : null
    const base = baseManifest === null ? null : host.live
    const group = known ?? { base, baseManifest, gzip: host.gzip, hosts: [] }
    group.hosts.push(host.host)
    groups.set(key, group)
  }
  const shipments = new Map<string, Shipment>()
  const listing = serializeManifest(source.manifest)
  let index = 0
  for (const group of groups.values()) {
    let delta = diffManifests(group.baseManifest, source.manifest)
    let base = group.base
    if (base !== null && delta.send.length > MAX_DELTA_PATHS) {
      delta = diffManifests(null, source.manifest)
      base = null
    }
    const file = join(workDir, `release-${index++}.tar`)
    await writeFile(file, '')
    if (delta.send.length > 0) await source.pack(base === null ? 'all' : delta.send, file, release)
    await appendLinksAndList(file, release, base, delta.link, listing)
    const compressed = group.gzip && (await stat(file)).size <= GZIP_MAX_BYTES
    const sent = compressed ? await gzipFile(file) : file
    const shipment: Shipment = {
      file: sent,
      open: () => createReadStream(sent),
      base,
      compressed,
      filesSent: delta.send.length,
      bytesSent: delta.bytesSent,
      filesLinked: delta.link.length,
    }
    for (const host of group.hosts) shipments.set(host, shipment)
  }
  return shipments
}

async function gzipFile(file: string): Promise<string> {
  await pipeline(createReadStream(file), createGzip(), createWriteStream(`${file}.gz`))
  return `${file}.gz`
}

/**
 * A second archive after the files (the host reads both with `tar -i`): a hard-link entry
 * for each unchanged file, `<release>/<path>` to `<base>/<path>` (names relative to
 * `releases/`, so no `..` is ever needed), then the new release's file list, which the
 * host moves beside the release.
 */
async function appendLinksAndList(file: string, release: string, base: string | null, links: string[], listing: string): Promise<void> {
  if (base !== null && links.length > 0) await appendFile(file, encodeLinkEntries(links.map((path) => ({ name: `${release}/${path}`, target: `${base}/${path}` }))))
  const archive = tarPack()
  const written = pipeline(archive, createWriteStream(file, { flags: 'a' }))
  archive.entry({ name: `${release}/${DELIVERY_DIR}/files`, mode: 0o644 }, listing)
  archive.finalize()
  await written
}
