import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { writeTarFile } from './tar-entries.js'

describe('writeTarFile', () => {
  it('writes a tar the system tar reads back whole: empty, block-sized and odd-sized members', () => {
    const base = mkdtempSync(join(tmpdir(), 'berth-tar-file-'))
    onTestFinished(() => rmSync(base, { recursive: true, force: true }))
    const sizes = [0, 1, 511, 512, 513, 4096, 100_001]
    const members = sizes.map((size, i) => {
      const path = join(base, `in-${i}`)
      writeFileSync(path, Buffer.alloc(size, i + 1))
      return { name: `${'ab'.repeat(32).slice(0, 60)}${i}`, path }
    })
    const tar = join(base, 'pack.tar')
    writeTarFile(tar, members)
    expect(statSync(tar).size % 512).toBe(0)
    const out = join(base, 'out')
    mkdirSync(out)
    execFileSync('tar', ['-x', '-f', tar, '-C', out])
    for (const member of members) {
      expect(readFileSync(join(out, member.name)).equals(readFileSync(member.path))).toBe(true)
      expect(statSync(join(out, member.name)).mode & 0o777).toBe(0o644)
    }
  })
})
