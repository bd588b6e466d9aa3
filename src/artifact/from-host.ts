/**
 * An artifact read back from a host that has the release (README, "Promoting a release"):
 * when this machine does not have it (a colleague built it), `promote` reads the release's
 * files from a host of the environment it promotes from, checks every file against the
 * release's file list (content hash, size and mode; symlink targets), and keeps the result
 * in this machine's cache. A file a hook changed on that host fails the check: the tree
 * would not be the build's.
 */
import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { StateError } from '../errors.js'
import { hashTree, type Manifest } from '../delivery/manifest.js'
import type { Layout } from '../release/layout.js'
import { packReleaseFiles } from '../remote/artifact.js'
import { makeRunDir } from '../run-dirs.js'
import { storeArtifact, type Artifact } from './store.js'

/** Runs one of berth's commands on the host, `stdin` on its input; resolves with its output. */
export type HostCommand = (command: string, stdin: string) => Promise<string>

/**
 * Files travel in parts of about this many bytes: a part's output is held in memory as
 * base64 text (berth's transports carry output as text), so a large tree never is at once.
 */
const PART_BYTES = 32 * 1024 * 1024

export interface HostRelease {
  host: string
  layout: Layout
  release: string
  /** The artifact's id (the sha256 of the release's file list) and its file list. */
  id: string
  manifest: Manifest
}

export async function readArtifactFromHost(cacheDir: string, from: HostRelease, run: HostCommand): Promise<Artifact> {
  const dir = makeRunDir(tmpdir(), 'tree')
  try {
    for (const part of parts(from.manifest)) {
      const output = await run(packReleaseFiles(from.layout, from.release), part.map((path) => `${path}\0`).join(''))
      await untar(Buffer.from(output, 'base64'), dir)
    }
    const read = await hashTree(dir, [...from.manifest.keys()])
    const changed = [...from.manifest.values()].find((entry) => JSON.stringify(read.get(entry.path)) !== JSON.stringify(entry))
    if (changed !== undefined) {
      throw new StateError(`${changed.path} in release ${from.release} on ${from.host} is not the file its artifact lists (changed on the host since it was delivered)`, {
        host: from.host,
        hint: 'a hook may have rewritten it there; promote from a host where it is intact, or deploy that environment again',
      })
    }
    const artifact = await storeArtifact(cacheDir, dir, from.manifest)
    if (artifact.id !== from.id) throw new StateError(`the file list of release ${from.release} on ${from.host} is not artifact ${from.id}`, { host: from.host })
    return artifact
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The paths in parts of about `PART_BYTES` each. */
function parts(manifest: Manifest): string[][] {
  const out: string[][] = [[]]
  let bytes = 0
  for (const entry of manifest.values()) {
    const size = entry.type === 'file' ? entry.size : 0
    if (bytes + size > PART_BYTES && out.at(-1)!.length > 0) {
      out.push([])
      bytes = 0
    }
    out.at(-1)!.push(entry.path)
    bytes += size
  }
  return out.filter((part) => part.length > 0)
}

function untar(archive: Buffer, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-x', '-f', '-', '--no-same-owner', '-C', into], { stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    tar.on('error', reject)
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new StateError(`unpacking a release read from a host failed: ${stderr.trim()}`))))
    tar.stdin.end(archive)
  })
}
