import { createHash, randomBytes } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { writeGitBlobs } from './git-blobs.js'

function repoWith(files: Record<string, Buffer>): { repo: string; ids: Map<string, string>; out: string } {
  const base = mkdtempSync(join(tmpdir(), 'berth-git-blobs-'))
  onTestFinished(() => rmSync(base, { recursive: true, force: true }))
  const repo = join(base, 'repo')
  mkdirSync(repo)
  execFileSync('git', ['init', '-q'], { cwd: repo })
  const ids = new Map<string, string>()
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(repo, name), content)
    ids.set(name, execFileSync('git', ['hash-object', '-w', name], { cwd: repo, encoding: 'utf8' }).trim())
  }
  const out = join(base, 'out')
  mkdirSync(out)
  return { repo, ids, out }
}

describe('blobs read straight from git', () => {
  it('writes each blob once, whole and hashed, across the pipe\'s chunk boundaries', async () => {
    const files = { empty: Buffer.alloc(0), newline: Buffer.from('\n'), text: Buffer.from('a\nb\n'), big: randomBytes(3 * 1024 * 1024 + 7), again: Buffer.from('a\nb\n') }
    const { repo, ids, out } = repoWith(files)
    const written = await writeGitBlobs(repo, [...ids.values()], out)
    expect(written.size).toBe(new Set(ids.values()).size)
    for (const [name, content] of Object.entries(files)) {
      const blob = written.get(ids.get(name)!)!
      expect(readFileSync(blob.file).equals(content), name).toBe(true)
      expect(blob).toMatchObject({ size: content.length, hex: createHash('sha256').update(content).digest('hex') })
    }
  })

  it('fails on an id git does not have', async () => {
    const { repo, out } = repoWith({ a: Buffer.from('a') })
    await expect(writeGitBlobs(repo, ['0'.repeat(40)], out)).rejects.toThrow(/git has no blob 0{40}/)
  })
})
