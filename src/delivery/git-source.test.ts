import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { readGitSource } from './git-source.js'

describe('the release tree read from git', () => {
  it('packs a change whose paths are longer in all than one command line may carry (archives one after another)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'berth-git-source-'))
    onTestFinished(() => rmSync(base, { recursive: true, force: true }))
    const repo = join(base, 'repo')
    // 1,200 files under 2,000-byte paths: 2.4 MB of pathspecs, beyond the 2 MB Linux allows a command line.
    const deep = Array.from({ length: 8 }, (_, i) => `${String(i).repeat(240)}`).join('/')
    mkdirSync(join(repo, deep), { recursive: true })
    const paths = Array.from({ length: 1200 }, (_, i) => `${deep}/file ${i}.txt`)
    for (const [i, path] of paths.entries()) writeFileSync(join(repo, path), `content ${i}\n`)
    writeFileSync(join(repo, 'left out.txt'), 'not asked for\n')
    const git = (args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' })
    git(['init', '-q', '-b', 'main'])
    git(['add', '-A'])
    git(['commit', '-q', '-m', 'long paths'])
    const source = await readGitSource(repo, git(['rev-parse', 'HEAD']).trim(), undefined, join(base, 'cache'))
    const tar = join(base, 'out.tar')
    await source.pack(paths, tar, 'tree')
    const out = join(base, 'out')
    mkdirSync(out)
    execFileSync('tar', ['-x', '-i', '-f', tar, '-C', out])
    for (const [i, path] of paths.entries()) expect(readFileSync(join(out, 'tree', path), 'utf8')).toBe(`content ${i}\n`)
    expect(readFileSync(tar).includes('left out.txt')).toBe(false)
  })
})
