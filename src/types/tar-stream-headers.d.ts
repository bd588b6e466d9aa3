// tar-stream's header encoder (`tar-stream/headers.js`), which its packer uses and which
// its own types do not declare.
declare module 'tar-stream/headers.js' {
  interface EncodableHeader {
    name: string
    linkname?: string
    type: 'file' | 'link' | 'symlink' | 'directory' | 'pax-header'
    mode: number
    uid: number
    gid: number
    size: number
    mtime: Date
  }
  const headers: {
    /** A 512-byte ustar header, or null when a name does not fit one. */
    encode(header: EncodableHeader): Buffer | null
    /** The body of a PAX extended header record. */
    encodePax(options: { name?: string; linkname?: string }): Buffer
  }
  export default headers
}
