/**
 * A real project for tests: a git repository in a temp dir with an app and a berth.yml,
 * a deploy target directory, and the real CLI (`bin/berth.js`, built) run as a child
 * process against it. Nothing is mocked: files, symlinks, git and processes are real.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isolatedDirs } from './isolated-env.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = join(ROOT, 'bin', 'berth.js')
const FAKE_CLOCK = join(ROOT, 'test', 'helpers', 'fake-clock.mjs')
/** Where every project's virtual clock starts (see `berth()`): a fixed, recognisable instant. */
const CLOCK_START = Date.UTC(2030, 0, 1, 12, 0, 0)

export type FileSpec = string | { content: string; mode?: number }

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

interface BerthOptions {
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Run with the real clock instead of the project's virtual one. */
  realClock?: boolean
}

export interface Project {
  /** Temp dir holding the repo, the target and anything else the test needs (`__BASE__` in configs). */
  base: string
  /** The repo (and the directory the CLI runs in). */
  dir: string
  /** deployTo on the local "host". */
  target: string
  /** berth's cache for this project's runs (`BERTH_CACHE_DIR`), inside `base`. */
  cacheDir: string
  write(files: Record<string, FileSpec>): void
  /** Writes files and commits them; returns the new sha. */
  commit(files: Record<string, FileSpec>, message?: string): string
  git(...args: string[]): string
  /**
   * Runs the built CLI in the project dir. Each call runs on the project's virtual clock,
   * one second after the previous call's (release names have one-second resolution), so
   * tests never wait for the wall clock to move on.
   */
  berth(args: string[], options?: BerthOptions): Promise<CliResult>
  /** Starts the CLI without waiting (for interruption tests), on the virtual clock. */
  spawnBerth(args: string[], env?: NodeJS.ProcessEnv, options?: Pick<BerthOptions, 'realClock'>): ChildProcessWithoutNullStreams
  /** Advances the virtual clock and returns the instant the next CLI call starts at. */
  tick(): number
  current(): string | null
  /** The release `current` points at (its id), or null. */
  live(): string | null
  /** Lines hooks appended to `__BASE__/hooks.log` (empty when none did). */
  log(): string[]
  /** Reads a file under the target (deployTo). */
  read(path: string): string
  /** Whether a path under the target exists (symlinks count, even dangling). */
  exists(path: string): boolean
  releases(): string[]
  record(release: string): { state: string; [key: string]: unknown }
  history(): Record<string, unknown>[]
  cleanup(): void
}

export function localConfig(extra = '', options: { app?: string; deployTo?: string } = {}): string {
  return [
    `app: ${options.app ?? 'shop'}`,
    `deployTo: ${options.deployTo ?? '__TARGET__'}`,
    'keepReleases: 3',
    'environments:',
    '  production:',
    '    hosts:',
    '      - { host: localhost, transport: local, roles: [web, app, db] }',
    extra,
  ].join('\n')
}

export function createProject(config: string, files: Record<string, FileSpec> = {}, options: { target?: string } = {}): Project {
  const base = mkdtempSync(join(tmpdir(), 'berth-test-'))
  const dir = join(base, 'repo')
  const target = join(base, options.target ?? join('srv', 'shop'))
  // The CLI's caches and per-machine config stay in `base`, never in the real home.
  const isolated = isolatedDirs(join(base, 'home'))
  mkdirSync(dir, { recursive: true })
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com' },
    }).trim()
  const fill = (text: string): string => text.replaceAll('__TARGET__', target).replaceAll('__BASE__', base)
  const write = (more: Record<string, FileSpec>): void => {
    for (const [path, spec] of Object.entries(more)) {
      const file = join(dir, path)
      mkdirSync(dirname(file), { recursive: true })
      const { content, mode } = typeof spec === 'string' ? { content: spec, mode: undefined } : spec
      writeFileSync(file, fill(content))
      if (mode !== undefined) chmodSync(file, mode)
    }
  }
  const commit = (more: Record<string, FileSpec>, message = 'change'): string => {
    write(more)
    git('add', '-A')
    git('commit', '-q', '--allow-empty', '-m', message)
    return git('rev-parse', 'HEAD')
  }
  git('init', '-q', '-b', 'main')
  commit({ 'berth.yml': config, 'index.html': '<h1>v1</h1>\n', ...files }, 'initial')

  let clock = CLOCK_START
  // A minute per CLI call: however slowly a loaded machine starts the CLI, its releases are
  // named within its own minute, after the previous call's and before the next one's.
  const tick = (): number => (clock += 60_000)
  const env = (extra?: NodeJS.ProcessEnv, realClock = false): NodeJS.ProcessEnv => {
    // HOME inside the project too: nothing the CLI does reaches the real ~/.cache or ~/.config.
    const vars: NodeJS.ProcessEnv = { ...process.env, ...isolated.env, HOME: join(base, 'home'), NO_COLOR: '1', BERTH_TEST_CLOCK: realClock ? undefined : String(tick()), ...extra }
    if (vars.BERTH_TEST_CLOCK === undefined) delete vars.BERTH_TEST_CLOCK
    return vars
  }
  const argv = (args: string[], realClock = false): string[] => (realClock ? [BIN, ...args] : ['--import', FAKE_CLOCK, BIN, ...args])
  return {
    base,
    dir,
    target,
    cacheDir: isolated.cacheDir,
    write,
    commit,
    git,
    tick,
    berth: (args, options = {}) =>
      new Promise((resolvePromise, reject) => {
        const child = spawn(process.execPath, argv(args, options.realClock), {
          cwd: dir,
          env: env(options.env, options.realClock),
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          resolvePromise({ code, stdout, stderr })
        })
      }),
    spawnBerth: (args, extra, options = {}) => spawn(process.execPath, argv(args, options.realClock), { cwd: dir, env: env(extra, options.realClock), stdio: ['pipe', 'pipe', 'pipe'] }),
    log: () => (existsSync(join(base, 'hooks.log')) ? readFileSync(join(base, 'hooks.log'), 'utf8').split('\n').filter((l) => l !== '') : []),
    read: (path) => readFileSync(join(target, path), 'utf8'),
    exists: (path) => {
      try {
        lstatSync(join(target, path))
        return true
      } catch {
        return false
      }
    },
    current: () => {
      try {
        return readlinkSync(join(target, 'current'))
      } catch {
        return null
      }
    },
    live: () => {
      try {
        return readlinkSync(join(target, 'current')).replace(/^releases\//, '')
      } catch {
        return null
      }
    },
    releases: () => (existsSync(join(target, 'releases')) ? readdirSync(join(target, 'releases')).sort() : []),
    record: (release) => JSON.parse(readFileSync(join(target, '.berth', 'releases', `${release}.json`), 'utf8')) as { state: string },
    history: () =>
      existsSync(join(target, '.berth', 'history.jsonl'))
        ? readFileSync(join(target, '.berth', 'history.jsonl'), 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  }
}

/** Release names are per second: wait into the next second so two deploys get two names. */
export async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5))
}
