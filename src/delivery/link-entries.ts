/**
 * The hard-link entries of an upload, as one buffer: a redeploy has thousands (one per
 * unchanged file), and tar-stream's entry-by-entry stream spends ~40 µs on each, about as
 * long as the host takes to make the links. Each header is encoded by tar-stream's own
 * encoder; a name or target too long for a ustar header is carried by a PAX record before
 * it, as tar-stream's packer does.
 */
import headers from 'tar-stream/headers.js'

export interface LinkEntry {
  /** The new name, relative to where the archive is unpacked. */
  name: string
  /** The existing file it is a second name for, relative to the same place. */
  target: string
}

const BLOCK = 512

export function encodeLinkEntries(links: readonly LinkEntry[], mtime = new Date()): Buffer {
  const blocks: Buffer[] = []
  for (const link of links) {
    const header = { name: link.name, linkname: link.target, type: 'link' as const, mode: 0o644, uid: 0, gid: 0, size: 0, mtime }
    const plain = headers.encode(header)
    if (plain !== null) {
      blocks.push(plain)
      continue
    }
    const pax = headers.encodePax({ name: link.name, linkname: link.target })
    blocks.push(headers.encode({ ...header, name: 'PaxHeader', linkname: 'PaxHeader', type: 'pax-header', size: pax.byteLength })!)
    blocks.push(pax, Buffer.alloc((BLOCK - (pax.byteLength % BLOCK)) % BLOCK))
    blocks.push(headers.encode({ ...header, name: 'PaxHeader', linkname: 'PaxHeader' })!)
  }
  return Buffer.concat(blocks)
}
