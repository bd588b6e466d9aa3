/**
 * The app of the dependency scenario (`npm run bench -- --deps`): a small Express-like
 * server with dozens of real npm packages, installed on the hosts by a real `npm ci` with
 * no network. The packages are this checkout's own node_modules, `npm pack`ed into the
 * app's `vendor/npm/` and depended on as `file:` tarballs; the lockfile is made offline.
 * Only packages whose whole dependency tree is among them (no nested copies, no install
 * scripts, no platform-specific builds) are taken, so `npm ci --offline` needs nothing else.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface DepsApp {
  dir: string
  /** Packages `npm ci` installs. */
  packages: number
  /** Bytes of the vendored tarballs. */
  tarballBytes: number
  /** The file each one-file redeploy edits. */
  changedFile: string
  /** A file of an installed package, checked on every host after each deploy. */
  installedFile: string
}

interface LockEntry {
  version?: string
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  optionalDependencies?: Record<string, string>
  hasInstallScript?: boolean
  optional?: boolean
  link?: boolean
  os?: string[]
  cpu?: string[]
}

/** Top-level packages of `root`'s node_modules whose dependencies are all top-level and taken too. */
export function selfContainedPackages(root: string): string[] {
  const lock = (JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages
  const top = new Map(Object.entries(lock).flatMap(([key, entry]) => (/^node_modules\/(@[^/]+\/)?[^/]+$/.test(key) ? [[key.slice('node_modules/'.length), entry] as const] : [])))
  const plain = (name: string, e: LockEntry): boolean =>
    existsSync(join(root, 'node_modules', name, 'package.json')) && !e.hasInstallScript && !e.os && !e.cpu && !e.link && !e.optional && !e.optionalDependencies
  const taken = new Set([...top].filter(([name, entry]) => plain(name, entry)).map(([name]) => name))
  for (let changed = true; changed; ) {
    changed = false
    for (const name of [...taken]) {
      const entry = top.get(name)!
      const peers = Object.keys(entry.peerDependencies ?? {}).filter((peer) => entry.peerDependenciesMeta?.[peer]?.optional !== true)
      const needs = [...Object.keys(entry.dependencies ?? {}), ...peers]
      if (needs.some((dep) => !taken.has(dep) || lock[`node_modules/${name}/node_modules/${dep}`] !== undefined)) {
        taken.delete(name)
        changed = true
      }
    }
  }
  return [...taken].sort()
}

const SERVER = `// A small Express-like server: routes, middleware, JSON, using a few of its dependencies.
const http = require('node:http')
const colors = require('picocolors')
const { z } = require('zod')
const YAML = require('yaml')
const routes = new Map()
const use = (method, path, handler) => routes.set(method + ' ' + path, handler)
const Order = z.object({ id: z.number(), item: z.string() })
use('GET', '/health', () => ({ ok: true }))
use('GET', '/config', () => YAML.parse('port: 3000\\nname: shop'))
use('POST', '/orders', (body) => Order.parse(body))
http.createServer((req, res) => {
  const handler = routes.get(req.method + ' ' + req.url)
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(handler ? handler({ id: 1, item: 'x' }) : { error: 'not found' }))
}).listen(process.env.PORT || 3000, '127.0.0.1', () => console.log(colors.green('listening')))
`

/** Packs the packages, writes the app and its lockfile (offline), commits it. */
export async function generateDepsApp(dir: string, root: string, scratch: string): Promise<DepsApp> {
  const vendor = join(dir, 'vendor', 'npm')
  mkdirSync(vendor, { recursive: true })
  const cache = join(scratch, 'npm-cache')
  const names = selfContainedPackages(root)
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--cache', cache, '--pack-destination', vendor, ...names.map((name) => join(root, 'node_modules', name))], {
    maxBuffer: 1 << 26,
  })
  const tarballs = JSON.parse(packed.stdout) as { name: string; filename: string; size: number }[]
  const dependencies = Object.fromEntries(tarballs.map((t) => [t.name, `file:vendor/npm/${t.filename}`]))
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'bench-deps-app', version: '1.0.0', private: true, main: 'server.js', dependencies }, null, 2)}\n`)
  writeFileSync(join(dir, 'server.js'), SERVER)
  await run('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', '--cache', cache], { cwd: dir })
  await git(dir, ['init', '-q', '-b', 'main'])
  await git(dir, ['add', '-A'])
  await git(dir, ['commit', '-q', '-m', 'deps app'])
  return { dir, packages: tarballs.length, tarballBytes: tarballs.reduce((sum, t) => sum + t.size, 0), changedFile: 'server.js', installedFile: 'node_modules/zod/package.json' }
}

const git = (cwd: string, args: string[]) => run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...args], { cwd })

/** Edits the server (the lockfile stays as it is), commits. */
export async function changeServer(app: DepsApp, n: number): Promise<void> {
  writeFileSync(join(app.dir, app.changedFile), `${readFileSync(join(app.dir, app.changedFile), 'utf8')}// change ${n}\n`)
  await git(app.dir, ['commit', '-q', '-am', `change ${n}`])
}

/** A new app version in package.json and the lockfile alike (npm ci accepts it; the lockfile's hash changes), commits. */
export async function changeLockfile(app: DepsApp, n: number): Promise<void> {
  for (const file of ['package.json', 'package-lock.json']) {
    const json = JSON.parse(readFileSync(join(app.dir, file), 'utf8')) as { version: string; packages?: Record<string, { version?: string }> }
    json.version = `1.0.${n}`
    if (json.packages?.[''] !== undefined) json.packages[''].version = json.version
    writeFileSync(join(app.dir, file), `${JSON.stringify(json, null, 2)}\n`)
  }
  await git(app.dir, ['commit', '-q', '-am', `lockfile ${n}`])
}
