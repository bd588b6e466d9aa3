/**
 * Real git and npm on a tiny repository: its build writes bin/berth.js, its lockfile has no
 * dependencies (so `npm ci` needs no network), and npm's cache is a temp dir.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkoutBaseline, openBaseline } from './baseline.js'

let base: string
let repo: string
const git = (...args: string[]): string =>
  execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim()
const worktrees = (): string[] => git('worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree '))
/** Whether a process has exited (it may take a moment to be reaped). */
/** Whether a process has ended within 10 s (a zombie that nobody has reaped yet has ended too). */
async function isGone(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      process.kill(pid, 0)
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return true
    } catch {
      return true
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}
const quiet = { signal: new AbortController().signal, log: () => undefined }

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'berth-baseline-test-'))
  repo = join(base, 'repo')
  mkdirSync(repo)
  process.env.npm_config_cache = join(base, 'npm-cache')
  const pkg = { name: 'berth', version: '0.0.9', scripts: { build: 'node build.mjs' } }
  writeFileSync(join(repo, 'package.json'), JSON.stringify(pkg))
  writeFileSync(join(repo, 'package-lock.json'), JSON.stringify({ name: 'berth', version: '0.0.9', lockfileVersion: 3, requires: true, packages: { '': { name: 'berth', version: '0.0.9' } } }))
  writeFileSync(join(repo, 'build.mjs'), "import { mkdirSync, writeFileSync } from 'node:fs'\nmkdirSync('bin', { recursive: true })\nwriteFileSync('bin/berth.js', 'built from the first commit')\n")
  writeFileSync(join(repo, '.gitignore'), 'bin/\nnode_modules/\n')
  git('init', '-q', '-b', 'main')
  git('add', '-A')
  git('commit', '-q', '-m', 'First berth')
  writeFileSync(join(repo, 'build.mjs'), "import { mkdirSync, writeFileSync } from 'node:fs'\nmkdirSync('bin', { recursive: true })\nwriteFileSync('bin/berth.js', 'built from the second commit')\n")
  git('commit', '-q', '-am', 'Second berth')
})

afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('openBaseline', () => {
  it('refuses a checkout that is not built, and says what to do', () => {
    expect(() => openBaseline(repo)).toThrow(`--baseline ${repo}: ${join(repo, 'bin', 'berth.js')} does not exist. Build that checkout first (npm ci && npm run build in it)`)
  })
})

describe('checkoutBaseline', () => {
  it('builds the commit asked for, names it, and leaves nothing behind once removed', async () => {
    const checkout = await checkoutBaseline(repo, 'HEAD~1', quiet)
    try {
      const baseline = openBaseline(checkout.dir)
      expect(readFileSync(baseline.bin, 'utf8')).toBe('built from the first commit')
      expect(baseline.version).toBe(`0.0.9 (commit ${git('rev-parse', '--short', 'HEAD~1')} "First berth")`)
      expect(worktrees()).toHaveLength(2)
    } finally {
      await checkout.remove()
    }
    expect(existsSync(dirname(checkout.dir))).toBe(false)
    expect(worktrees()).toHaveLength(1)
    await checkout.remove()
  })

  it('says when the ref is not a commit', async () => {
    await expect(checkoutBaseline(repo, 'no-such-branch', quiet)).rejects.toThrow(`--baseline-ref no-such-branch: not a commit of ${repo}`)
  })

  it('removes the worktree when interrupted while building', async () => {
    writeFileSync(join(repo, 'build.mjs'), "import { writeFileSync } from 'node:fs'\nwriteFileSync('building', String(process.pid))\nsetTimeout(() => {}, 60_000)\n")
    git('commit', '-q', '-am', 'A build that hangs')
    const abort = new AbortController()
    let dir = ''
    const pending = checkoutBaseline(repo, 'HEAD', {
      signal: abort.signal,
      log: (line) => void (dir ||= /^baseline: checking out HEAD \([0-9a-f]{7}\) into (.+)$/.exec(line)?.[1] ?? ''),
    })
    const started = Date.now()
    while (!(dir !== '' && existsSync(join(dir, 'building'))) && Date.now() - started < 30_000) await new Promise((resolve) => setTimeout(resolve, 50))
    const buildPid = Number(readFileSync(join(dir, 'building'), 'utf8'))
    abort.abort()
    await expect(pending).rejects.toThrow()
    expect(dir).not.toBe('')
    expect(existsSync(dirname(dir))).toBe(false)
    expect(worktrees()).toHaveLength(1)
    expect(await isGone(buildPid)).toBe(true)
  })

  it('says why the build failed, and leaves nothing behind', async () => {
    writeFileSync(join(repo, 'build.mjs'), "console.log('src/x.ts(1,1): error TS2304: Cannot find name y')\nprocess.exit(2)\n")
    git('commit', '-q', '-am', 'A build that fails')
    await expect(checkoutBaseline(repo, 'HEAD', quiet)).rejects.toThrow(
      '--baseline-ref HEAD: preparing the baseline failed: npm run exited with 2: src/x.ts(1,1): error TS2304: Cannot find name y',
    )
    expect(worktrees()).toHaveLength(1)
  })
})
