/**
 * The package as npm users get it, proven without the registry: `npm pack` of this
 * repository, the tarball installed into a fresh project, then, from that install only,
 * `npx berth init`, a plan, a real deploy to a directory on this machine, the library
 * import and the schema the written berth.yml points at.
 *
 * The pack runs with `--ignore-scripts`: its `prepare` would rebuild dist/ in this checkout
 * while other tests run the CLI from it. So it packs the dist/ that `npm test` (or
 * `npm run build`) has just built, as `npm publish` packs what `prepare` built. npm runs
 * offline, with its cache and config in the test's temp directory.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { isolatedDirs } from '../helpers/isolated-env.js'
import { copyRuntimeDeps } from '../helpers/runtime-deps.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SCHEMA_LINE = /^# yaml-language-server: \$schema=(\S+)$/m

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

let base: string
let tarball: string
let packed: string[]
let app: string
let target: string
let env: NodeJS.ProcessEnv

/** Runs a command to completion; `expectOk` fails the test with its output unless it exits 0. */
function run(cmd: string, args: string[], cwd: string): Run {
  const result = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 45_000 })
  if (result.error) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
function expectOk(result: Run): Run {
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
  return result
}

beforeAll(() => {
  for (const built of ['dist/index.js', 'dist/index.d.ts', 'dist/bundle/main.js']) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` before this test`)
  }
  base = mkdtempSync(join(tmpdir(), 'berth-package-'))
  app = join(base, 'shop')
  target = join(base, 'srv', 'shop')
  writeFileSync(join(base, 'npmrc'), '')
  // A parent `npm test` passes its own npm_* settings down; none of them may reach these runs.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
  env = {
    ...inherited,
    ...isolatedDirs(join(base, 'home')).env,
    NO_COLOR: '1',
    npm_config_cache: join(base, 'npm-cache'),
    npm_config_userconfig: join(base, 'npmrc'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 't@example.com',
  }
  const pack = expectOk(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', base], ROOT))
  const [info] = JSON.parse(pack.stdout) as { name: string; filename: string; files: { path: string }[] }[]
  expect(info?.name).toBe('berth-deploy')
  tarball = join(base, info!.filename)
  packed = info!.files.map((file) => file.path)
})

afterAll(() => {
  if (base !== undefined) rmSync(base, { recursive: true, force: true })
})

describe('npm pack', () => {
  it('ships the CLI, the library, its types, the schema, the README and the LICENSE', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'bin/berth.js', 'dist/bundle/main.js', 'dist/index.js', 'dist/index.d.ts', 'schema/berth.schema.json']) {
      expect(packed).toContain(file)
    }
    // The bundle loads its commands and reporters as chunks, each only when needed: a
    // missing chunk would show only when that command runs.
    for (const chunk of readdirSync(join(ROOT, 'dist', 'bundle'))) expect(packed).toContain(`dist/bundle/${chunk}`)
    // `berth ui`'s page is read from the package at run time.
    for (const asset of readdirSync(join(ROOT, 'assets', 'cockpit'))) expect(packed).toContain(`assets/cockpit/${asset}`)
  })

  it('ships every file the README links to, so its links work in node_modules/berth-deploy', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const links = [...readme.matchAll(/\]\(([^)#:\s]+)\)/g)].map((match) => match[1]!)
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect(packed).toContain(link)
  })

  it('ships no tests, fixtures, sources, bench, source maps or the unbundled CLI', () => {
    const unwanted = packed.filter(
      (path) => /(^|\/)(test|tests|__fixtures__|fixtures|bench|src|scripts|examples|lint)\//.test(path) || /\.test\.|\.map$/.test(path) || path.startsWith('dist/cli/'),
    )
    expect(unwanted).toEqual([])
  })
})

describe('installed from the tarball into a fresh project', () => {
  beforeAll(() => {
    // A small Node app in its own git repository, as a user's project would be.
    const write = (file: string, text: string) => writeFileSync(join(app, file), text)
    expectOk(run('git', ['init', '-q', '-b', 'main', app], base))
    write('package.json', `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true, scripts: { start: 'node server.js' } }, null, 2)}\n`)
    write('server.js', "console.log('shop v1')\n")
    write('.gitignore', 'node_modules/\n')
    expectOk(run('git', ['add', '-A'], app))
    expectOk(run('git', ['commit', '-q', '-m', 'shop'], app))

    copyRuntimeDeps(ROOT, app)
    // As the README says: a dev dependency (the hosts' `npm ci --omit=dev`, which `init` writes, leaves it out).
    expectOk(run('npm', ['install', '-D', '--offline', '--no-audit', '--no-fund', tarball], app))
    expectOk(run('git', ['add', '-A'], app))
    expectOk(run('git', ['commit', '-q', '-m', 'deploy with berth'], app))
  })

  it('is a dependency of the project, and `npx berth` runs its command', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }
    expect(Object.keys(manifest.devDependencies ?? {})).toEqual(['berth-deploy'])
    expect(realpathSync(join(app, 'node_modules', '.bin', 'berth'))).toBe(realpathSync(join(app, 'node_modules', 'berth-deploy', 'bin', 'berth.js')))
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(expectOk(run('npx', ['berth', '--version'], app)).stdout).toContain(version.version)
    // The forms the README gives for use outside such a project name the package, and run the same command.
    expect(expectOk(run('npx', ['berth-deploy', '--version'], app)).stdout).toContain(version.version)
    expect(expectOk(run('npx', ['-p', 'berth-deploy', 'berth', '--version'], app)).stdout).toContain(version.version)
  })

  it('`npx berth init` writes a berth.yml whose $schema is the installed schema', () => {
    const init = expectOk(run('npx', ['berth', 'init'], app))
    expect(init.stdout).toContain(join(app, 'berth.yml'))
    const text = readFileSync(join(app, 'berth.yml'), 'utf8')
    const schemaPath = SCHEMA_LINE.exec(text)?.[1]
    expect(schemaPath).toBe('./node_modules/berth-deploy/schema/berth.schema.json')
    const schema = JSON.parse(readFileSync(resolve(app, schemaPath!), 'utf8')) as { $schema?: string; properties?: Record<string, unknown> }
    expect(schema.$schema).toMatch(/json-schema\.org/)
    expect(Object.keys(schema.properties ?? {})).toContain('deployTo')
  })

  it('plans, then deploys the app to a local host', () => {
    // The starter, pointed at a directory on this machine instead of example servers.
    const file = join(app, 'berth.yml')
    const doc = parseDocument(readFileSync(file, 'utf8'))
    doc.set('deployTo', target)
    doc.setIn(['environments', 'production', 'hosts'], doc.createNode([{ host: 'localhost', transport: 'local', roles: ['web', 'app', 'db'] }]))
    writeFileSync(file, doc.toString())

    const plan = expectOk(run('npx', ['berth', 'deploy', 'production', '--plan'], app))
    expect(plan.stdout).toMatch(/switch/)
    expect(existsSync(target)).toBe(false)

    expectOk(run('npx', ['berth', 'deploy', 'production'], app))
    const live = readlinkSync(join(target, 'current'))
    expect(live).toMatch(/^releases\/\d{8}T\d{6}-[0-9a-f]{7}$/)
    expect(readFileSync(join(target, 'current', 'server.js'), 'utf8')).toBe("console.log('shop v1')\n")
    expect(readFileSync(join(target, 'current', 'REVISION'), 'utf8').trim()).toBe(run('git', ['rev-parse', 'HEAD'], app).stdout.trim())
    // The starter's restart hook ran in the new release.
    expect(existsSync(join(target, live, 'tmp', 'restart.txt'))).toBe(true)
  })

  it('serves `berth ui`\'s page from the installed package', async () => {
    const child = spawn(join(app, 'node_modules', '.bin', 'berth'), ['ui', 'production'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let output = ''
      child.stderr.on('data', (d: Buffer) => (output += d.toString()))
      const url = await new Promise<string>((resolvePromise, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString()
          const found = /http:\/\/\S+/.exec(output)?.[0]
          if (found !== undefined) resolvePromise(found)
        })
        child.on('exit', () => reject(new Error(`berth ui exited:\n${output}`)))
      })
      const page = await fetch(url)
      expect(page.status).toBe(200)
      const token = new URL(url).searchParams.get('token')!
      expect(await page.text()).toContain(`app.js?token=${token}`)
      for (const asset of ['app.js', 'style.css']) expect((await fetch(new URL(`${asset}?token=${token}`, url))).status).toBe(200)
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  })

  it('finds the S3 client a store delivery loads (external to the bundle) where the installed CLI resolves it', () => {
    const bundle = join(app, 'node_modules', 'berth-deploy', 'dist', 'bundle')
    const loaded = expectOk(run(process.execPath, ['--input-type=module', '-e', "const s3 = await import('@aws-sdk/client-s3'); const p = await import('@aws-sdk/s3-request-presigner'); console.log(typeof s3.S3Client, typeof p.S3RequestPresigner)"], bundle))
    expect(loaded.stdout.trim()).toBe('function function')
  })

  it('imports as a library, and exports its schema', () => {
    const imported = expectOk(run(process.execPath, ['-e', "import('berth-deploy').then((m) => console.log(typeof m.defineConfig, typeof m.deploy))"], app))
    expect(imported.stdout.trim()).toBe('function function')
    const schema = expectOk(run(process.execPath, ['-p', "require.resolve('berth-deploy/schema.json')"], app))
    expect(schema.stdout.trim()).toBe(join(realpathSync(app), 'node_modules', 'berth-deploy', 'schema', 'berth.schema.json'))
  })

  it('gives a berth.config.ts its types (a valid config compiles, a wrong field does not), and berth loads it', () => {
    // This repository's TypeScript and Node types stand in for the user's own.
    const tsconfig = {
      compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'] },
      files: ['berth.config.ts'],
    }
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig))
    const config = (deployTo: string) =>
      `import { defineConfig } from 'berth-deploy'\nexport default defineConfig({ app: 'shop', deployTo: ${deployTo}, environments: { production: { hosts: [{ host: 'localhost', transport: 'local' }] } } })\n`
    const tsc = () => run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app)
    writeFileSync(join(app, 'berth.config.ts'), config('5'))
    const wrong = tsc()
    expect(wrong.status).not.toBe(0)
    expect(wrong.stdout).toMatch(/berth\.config\.ts\(2,\d+\): error TS2322/)
    writeFileSync(join(app, 'berth.config.ts'), config(JSON.stringify(target)))
    expectOk(tsc())
    // berth reads it through its own `import { defineConfig } from 'berth-deploy'`, resolved in the project.
    const plan = expectOk(run('npx', ['berth', 'deploy', 'production', '--plan', '-c', 'berth.config.ts'], app))
    expect(plan.stdout).toContain(target)
  })
})
