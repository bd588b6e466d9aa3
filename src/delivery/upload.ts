/**
 * Incremental upload: the release tree is hashed once; each host gets a tar stream of only
 * the files its live release lacks (new or changed), plus the list of unchanged files,
 * which the host hard-links from its live release. Hosts on the same live release share
 * one packed stream. A host with no live release, or a damaged file list, gets everything.
 */
import { createHash } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DELIVERY_DIR } from '../release/commands.js'
import { diffManifests, hashTree, parseManifest, serializeManifest, type Manifest } from './manifest.js'
import { packTree, type Tarball } from './tarball.js'
import type { ReleaseTree } from './tree.js'

export interface HostBase {
  host: string
  /** The host's live release, or null. */
  live: string | null
  /** That release's file list as read from the host, or null when it has none. */
  files: string[] | null
}

export interface Shipment {
  tarball: Tarball
  /** Release the host hard-links unchanged files from, or null for a full upload. */
  base: string | null
  filesSent: number
  bytesSent: number
  filesLinked: number
}

export async function prepareShipments(tree: ReleaseTree, hosts: HostBase[], workDir: string): Promise<Map<string, Shipment>> {
  const manifest = await hashTree(tree.root, tree.paths)
  const groups = new Map<string, { base: string | null; baseManifest: Manifest | null; hosts: string[] }>()
  for (const host of hosts) {
    const baseManifest = host.live !== null && host.files !== null ? parseManifest(host.files) : null
    const base = baseManifest === null ? null : host.live
    const key = base === null ? 'full' : `${base}:${createHash('sha256').update(host.files!.join('\n')).digest('hex')}`
    const group = groups.get(key) ?? { base, baseManifest, hosts: [] }
    group.hosts.push(host.host)
    groups.set(key, group)
  }
  const shipments = new Map<string, Shipment>()
  let index = 0
  for (const group of groups.values()) {
    const delta = diffManifests(group.baseManifest, manifest)
    // berth's delivery files travel inside the stream, under a directory the host removes.
    const control = join(tree.root, DELIVERY_DIR)
    await mkdir(control, { recursive: true })
    await writeFile(join(control, 'links'), delta.link.map((path) => `${path}\0`).join(''))
    await writeFile(join(control, 'files'), serializeManifest(manifest))
    const packDir = join(workDir, `pack-${index++}`)
    await mkdir(packDir)
    const tarball = await packTree({ ...tree, paths: [...delta.send, DELIVERY_DIR] }, packDir)
    await rm(control, { recursive: true, force: true })
    const shipment: Shipment = { tarball, base: group.base, filesSent: delta.send.length, bytesSent: delta.bytesSent, filesLinked: delta.link.length }
    for (const host of group.hosts) shipments.set(host, shipment)
  }
  return shipments
}
