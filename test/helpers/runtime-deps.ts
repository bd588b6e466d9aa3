/**
 * berth-deploy's runtime dependencies, put into a project's node_modules without the
 * registry, so a test can install the packed tarball offline.
 *
 * `npm install --offline` cannot resolve a dependency it has not cached: it needs the
 * registry's metadata (the packument) even for a version it could take from a cache. What
 * it does keep is a dependency already installed that satisfies the range. So the test
 * project gets a copy of the packages that this repository's lockfile marks as not
 * dev-only (the same versions `npm i berth-deploy` would pick today), with the `.bin`
 * links npm would have made: without those npm takes the copy for a broken install and
 * fetches the package again.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'

interface LockedPackage {
  dev?: boolean
  devOptional?: boolean
  bin?: Record<string, string>
}

/** A top-level entry of the lockfile: `node_modules/name` or `node_modules/@scope/name` (nested ones come along with it). */
const TOP_LEVEL = /^node_modules\/(?:@[^/]+\/)?[^/]+$/

/** The runtime packages of the project at `root`, by the path of their directory under it. */
function runtimePackages(root: string): Map<string, LockedPackage> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> }
  const found = new Map<string, LockedPackage>()
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!TOP_LEVEL.test(path) || entry.dev === true || entry.devOptional === true) continue
    // An optional package for another platform is in the lockfile but not on disk.
    if (existsSync(join(root, path))) found.set(path, entry)
  }
  return found
}

/** Copies the runtime packages of `root` into `project/node_modules`, with their `.bin` links; returns their names. */
export function copyRuntimeDeps(root: string, project: string): string[] {
  const binDir = join(project, 'node_modules', '.bin')
  mkdirSync(binDir, { recursive: true })
  const names: string[] = []
  for (const [path, entry] of runtimePackages(root)) {
    cpSync(join(root, path), join(project, path), { recursive: true, verbatimSymlinks: true })
    const name = path.slice('node_modules/'.length)
    names.push(name)
    for (const [command, file] of Object.entries(entry.bin ?? {})) symlinkSync(join('..', name, file), join(binDir, command))
  }
  return names
}
