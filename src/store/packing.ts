/**
 * Which blobs a host fetches one by one and which it fetches in packs (`delivery.via:
 * store`, README "Through an S3-compatible store"). A GET per file is fine for a redeploy
 * of a few files, and ruinous for a first deploy of thousands: stores answer a bounded
 * number of requests a second (S3: about 5,500 per prefix). So when a host needs many
 * small blobs, they travel in packs: plain tars of blobs named by their sha256, which the
 * host unpacks and then checks blob by blob exactly like single ones.
 *
 * Packs must be shared as blobs are (hosts on the same live release, environments and
 * promotes, projects in one prefix): a pack is named by the sha256 of its member list, and
 * the small blobs of a set are dealt into packs by the first hex digit of their hash, so
 * two sets that differ by a few files share every pack but the few those files fall in.
 * Big blobs always go alone: they would make many packs heavy for one file, and a GET of
 * their own costs nothing next to their bytes.
 *
 * Pure: what to fetch is plain data, tested as such.
 */
import { createHash } from 'node:crypto'

export const PACKING = {
  /** Fewer small blobs than this for a host: each gets its own GET. */
  minBlobs: 64,
  /** A blob above this size always gets its own GET. */
  maxPackedBytes: 1024 * 1024,
} as const

export interface Pack {
  /** sha256 of the member list (`packId`). */
  id: string
  /** sha256 of each member, sorted. */
  members: string[]
}

export interface BlobFetch {
  /** Blobs fetched alone (sha256). */
  single: string[]
  packs: Pack[]
}

/** The name of the pack holding exactly `members` (sorted sha256s). */
export function packId(members: readonly string[]): string {
  return createHash('sha256').update(members.map((hex) => `${hex}\n`).join('')).digest('hex')
}

/** How a host gets `blobs` (each sha256 once, with its size). */
export function packBlobs(blobs: readonly { hex: string; size: number }[]): BlobFetch {
  const small = blobs.filter((blob) => blob.size <= PACKING.maxPackedBytes).map((blob) => blob.hex)
  if (small.length < PACKING.minBlobs) return { single: blobs.map((blob) => blob.hex), packs: [] }
  const single = blobs.filter((blob) => blob.size > PACKING.maxPackedBytes).map((blob) => blob.hex)
  const byDigit = new Map<string, string[]>()
  for (const hex of [...small].sort()) {
    const bucket = byDigit.get(hex[0]!)
    if (bucket === undefined) byDigit.set(hex[0]!, [hex])
    else bucket.push(hex)
  }
  const packs = [...byDigit.keys()].sort().map((digit) => {
    const members = byDigit.get(digit)!
    return { id: packId(members), members }
  })
  return { single, packs }
}
