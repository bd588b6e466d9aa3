import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, HOSTILE_NAME, sh, type Sandbox } from '../../test/helpers/sh.js'
import { layoutFor } from '../release/layout.js'
import { archiveFromMirror, fetchFromMirrors, mirrorDir, updateMirror } from './git.js'

describe('git strategy commands', () => {
  const layout = layoutFor('/srv/my app')
  const sha = 'a'.repeat(40)

  it('quotes the remote and paths', () => {
    const command = updateMirror(layout.repo, "ssh://git@example.com/x;rm -rf ~'.git")
    expect(command).toContain(`'ssh://git@example.com/x;rm -rf ~'\\''.git'`)
    expect(command).toContain(`git -C '/srv/my app/repo' fetch --prune --quiet origin`)
  })

  it('clones once into a temp dir, fetches after, and checks the commit before archiving it', () => {
    expect(updateMirror('/srv/app/repo', 'git@example.com:shop.git')).toBe(
      [
        `command -v git >/dev/null 2>&1 || { echo 'berth: the git strategy needs git on the host' >&2; exit 127; }`,
        'if [ -f /srv/app/repo/HEAD ]; then',
        '  git -C /srv/app/repo remote set-url origin git@example.com:shop.git && git -C /srv/app/repo fetch --prune --quiet origin || exit 1',
        'else',
        '  rm -rf /srv/app/repo.partial && mkdir -p /srv/app && git clone --mirror --quiet -- git@example.com:shop.git /srv/app/repo.partial && mv /srv/app/repo.partial /srv/app/repo || exit 1',
        'fi',
      ].join('\n'),
    )
    expect(archiveFromMirror('/srv/app/repo', '/srv/app/releases/r', { url: 'u', sha, prefix: 'lib', tree: '' })).toBe(
      [
        `git -C /srv/app/repo cat-file -e '${sha}^{commit}' 2>/dev/null || { echo 'berth: commit ${sha} is not in u: push it first' >&2; exit 1; }`,
        `git -c tar.umask=022 -C /srv/app/repo archive --format=tar --prefix=lib/ ${sha} | tar -x -f - --no-same-owner -C /srv/app/releases/r`,
      ].join('\n'),
    )
  })

  it('archives the sha, or only its subdir', () => {
    const app = { url: 'u', sha, prefix: '', tree: 'server' }
    expect(archiveFromMirror(layout.repo, '/r', app)).toContain(`archive --format=tar  ${sha}:server |`)
  })

  it('gives each submodule its own mirror and unpacks it under its path', () => {
    const sub = { url: 'https://example.com/lib.git', sha, prefix: 'vendor/lib', tree: '' }
    expect(mirrorDir(layout, sub)).toBe('/srv/my app/repo/modules/vendor%2Flib')
    const [update, archive] = fetchFromMirrors(layout, '20261123T171500-aaaaaaa', [sub])
    expect(update).toContain(`git clone --mirror --quiet -- https://example.com/lib.git '/srv/my app/repo/modules/vendor%2Flib.partial'`)
    expect(archive).toContain(`archive --format=tar --prefix=vendor/lib/ ${sha} | tar -x -f - --no-same-owner -C '/srv/my app/releases/20261123T171500-aaaaaaa'`)
  })
})

describe('git strategy commands under sh', () => {
  let box: Sandbox | undefined
  afterEach(() => box?.cleanup())

  /** A repo at a hostile path with one commit; returns its sha. */
  function repoWith(dir: string, files: Record<string, string>): string {
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } }).trim()
    mkdirSync(dir, { recursive: true })
    git('init', '-q', '-b', 'main')
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    git('add', '-A')
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'one')
    return git('rev-parse', 'HEAD')
  }

  it('mirrors a repo from a hostile path and unpacks a commit, its subdir, into a hostile release', () => {
    box = createSandbox()
    const layout = layoutFor(box.deployTo)
    const origin = join(box.base, `origin ${HOSTILE_NAME}`)
    const sha = repoWith(origin, { 'server/index.js': 'one', 'README.md': 'r' })
    const release = layout.release('20261123T171500-aaaaaaa')
    mkdirSync(release, { recursive: true })
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
    const run = (text: string) => sh(text, { cwd: box!.base, env })
    const commit = { url: origin, sha, prefix: '', tree: 'server' }
    const [update, archive] = fetchFromMirrors(layout, '20261123T171500-aaaaaaa', [commit])
    expect(run(update!)).toMatchObject({ code: 0, stderr: '' })
    // Again: the mirror is there, so it is fetched, not cloned.
    expect(run(update!)).toMatchObject({ code: 0, stderr: '' })
    expect(run(archive!)).toMatchObject({ code: 0, stderr: '' })
    expect(readFileSync(join(release, 'index.js'), 'utf8')).toBe('one')
    expect(existsSync(join(release, 'README.md'))).toBe(false)
    const sub = { url: origin, sha, prefix: `vendor/${HOSTILE_NAME}`, tree: '' }
    expect(run(updateMirror(mirrorDir(layout, sub), origin)).code).toBe(0)
    expect(run(archiveFromMirror(mirrorDir(layout, sub), release, sub)).code).toBe(0)
    expect(readFileSync(join(release, 'vendor', HOSTILE_NAME, 'README.md'), 'utf8')).toBe('r')
    const missing = run(archiveFromMirror(layout.repo, release, { ...commit, sha: 'b'.repeat(40) }))
    expect(missing).toMatchObject({ code: 1, stderr: `berth: commit ${'b'.repeat(40)} is not in ${origin}: push it first\n` })
    expect(box.pwned()).toEqual([])
  })

  it('says so when the host has no git', () => {
    const out = sh(updateMirror('/nonexistent/repo', 'u'), { env: { PATH: '/nonexistent' } })
    expect(out).toEqual({ code: 127, stdout: '', stderr: 'berth: the git strategy needs git on the host\n' })
  })
})
