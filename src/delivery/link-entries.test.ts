import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeLinkEntries } from './link-entries.js'

let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('encodeLinkEntries', () => {
  it('makes entries GNU tar unpacks into hard links, long and unusual names included', () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-links-'))
    const long = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}.txt`
    const paths = ['a.txt', 'deep/er/b.txt', 'with space & $(quote)\'.txt', 'ünïcødé.txt', long]
    for (const path of paths) {
      mkdirSync(join(dir, 'old', path, '..'), { recursive: true })
      writeFileSync(join(dir, 'old', path), path)
    }
    const archive = join(dir, 'links.tar')
    // An archive ends with two zero blocks; tar -i reads on past them as berth's stream does.
    writeFileSync(archive, Buffer.concat([encodeLinkEntries(paths.map((path) => ({ name: `new/${path}`, target: `old/${path}` }))), Buffer.alloc(1024)]))
    execFileSync('tar', ['-x', '-i', '-f', archive, '-C', dir])
    for (const path of paths) expect(statSync(join(dir, 'new', path)).ino).toBe(statSync(join(dir, 'old', path)).ino)
  })
})
