/**
 * Artifacts: a release tree as berth ships it, kept in this machine's cache (README,
 * "Artifacts and the cache"). An artifact is its file list (path, mode, size and content
 * hash of every file, the target of every symlink: the format of `delivery/manifest.ts`)
 * and the files themselves, and its id is the sha256 of that list. The same id is what a
 * host records for the release (`.berth/releases/<id>.json`, `artifact`), and the sha256 of
 * the file list the host keeps beside it, so a host's release names the artifact it came from.
 *
 * On disk: `artifacts/<id>/files` (the list), `artifacts/<id>/tree/` (the files, modes as
 * the list says) and `artifacts/<id>/used` (its time: when a deploy last used it, for
 * pruning). An artifact is written beside and renamed into place, so a reader sees a whole
 * one or none; every read checks the list against its id.
 *
 * This is the API the rest of berth uses: `openArtifact`, `storeArtifact`, the build
 * index (`findBuild`/`recordBuild`) and `artifactsDir`; pruning and clearing are in `prune.ts`.
 */
import { randomBytes } from 'node:crypto'
import { chmod, copyFile, link, mkdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { settleAll } from '../fleet/pool.js'
import { parseManifest, serializeManifest, type Manifest } from '../delivery/manifest.js'
import { manifestSum } from '../delivery/manifest-cache.js'
import { StateError } from '../errors.js'

/** An artifact in this machine's cache, ready to be packed. */
export interface Artifact {
  /** sha256 of `listing`. */
  id: string
  /** The file list, one JSON array a line (`delivery/manifest.ts`). */
  listing: string
  manifest: Manifest
  /** Directory holding the files, at their paths in the release. */
  root: string
}

const ID = /^[0-9a-f]{64}$/

export const isArtifactId = (value: unknown): value is string => typeof value === 'string' && ID.test(value)

/** The artifacts' directory inside berth's cache (`src/cache-dir.ts`). */
export function artifactsDir(cacheDir: string): string {
  return join(cacheDir, 'artifacts')
}

/** An artifact's id: the sha256 of its file list, the same sum a host reports for a release's list. */
export const artifactId = manifestSum

/** The artifact `id` when this machine has all of it (its list intact), else null. Marks it used. */
export async function openArtifact(cacheDir: string, id: string): Promise<Artifact | null> {
  if (!isArtifactId(id)) return null
  const dir = join(artifactsDir(cacheDir), id)
  const listing = await readFile(join(dir, 'files'), 'utf8').catch(() => null)
  if (listing === null || artifactId(listing) !== id) return null
  const manifest = parseManifest(listing.split('\n'))
  const root = join(dir, 'tree')
  if (manifest === null || !(await isDirectory(root))) return null
  await touch(join(dir, 'used'))
  return { id, listing, manifest, root }
}

/**
 * Keeps the files `manifest` lists, read from `from` (a build's staging tree, or a tree read
 * from a host), as an artifact. Files are hard-linked when `from` is on the same file system
 * (the staging tree is removed afterwards anyway), copied otherwise. Already there: reused.
 */
export async function storeArtifact(cacheDir: string, from: string, manifest: Manifest): Promise<Artifact> {
  const listing = serializeManifest(manifest)
  const id = artifactId(listing)
  const existing = await openArtifact(cacheDir, id)
  if (existing !== null) return existing
  refuseUnsafePaths(manifest)
  const dir = join(artifactsDir(cacheDir), id)
  const temp = `${dir}.${randomBytes(4).toString('hex')}.tmp`
  await mkdir(join(temp, 'tree'), { recursive: true, mode: 0o700 })
  try {
    const results = await settleAll([...manifest.values()], 16, async (entry) => {
      const to = join(temp, 'tree', entry.path)
      await mkdir(dirname(to), { recursive: true })
      if (entry.type === 'link') return symlink(entry.target, to)
      await link(join(from, entry.path), to).catch(() => copyFile(join(from, entry.path), to))
      await chmod(to, entry.mode)
    })
    const failed = results.find((result) => !result.ok)
    if (failed !== undefined && !failed.ok) throw failed.error
    await writeFile(join(temp, 'files'), listing, { mode: 0o600 })
    await writeFile(join(temp, 'used'), '')
    // Another run may have stored the same artifact meanwhile: theirs is as good as ours.
    await rename(temp, dir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error
    })
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
  const stored = await openArtifact(cacheDir, id)
  if (stored === null) throw new Error(`the artifact ${id} could not be kept in ${artifactsDir(cacheDir)}`)
  return stored
}

/** The artifact an earlier build with the same inputs produced (see `build-key.ts`), when still here. */
export async function findBuild(cacheDir: string, key: string): Promise<Artifact | null> {
  const id = (await readFile(join(artifactsDir(cacheDir), 'builds', key), 'utf8').catch(() => '')).trim()
  return openArtifact(cacheDir, id)
}

/** Remembers which artifact a build with these inputs produced; best effort, like every cache. */
export async function recordBuild(cacheDir: string, key: string, id: string): Promise<void> {
  try {
    const dir = join(artifactsDir(cacheDir), 'builds')
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const temp = join(dir, `${key}.${randomBytes(4).toString('hex')}.tmp`)
    await writeFile(temp, `${id}\n`, { mode: 0o600 })
    await rename(temp, join(dir, key))
  } catch {
    // best effort
  }
}

/**
 * A list read from a host is not trusted to stay inside the artifact: every path must be
 * relative, without `.` or `..` parts, and never below a symlink of the list (a link `a`
 * then a file `a/x` would write through the link).
 */
function refuseUnsafePaths(manifest: Manifest): void {
  for (const path of manifest.keys()) {
    const parts = path.split('/')
    const below = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'))
    if (parts.some((part) => part === '' || part === '.' || part === '..') || below.some((prefix) => manifest.get(prefix)?.type === 'link')) {
      throw new StateError(`the file list names ${JSON.stringify(path)}, which is not a path inside a release`, { hint: 'the release was not made by berth: deploy it again' })
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() === true
}

async function touch(file: string): Promise<void> {
  const now = new Date()
  await utimes(file, now, now).catch(() => writeFile(file, '').catch(() => {}))
}
