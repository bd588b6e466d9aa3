import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRunDir, sweepDeadRunDirs } from './run-dirs.js'

let base: string
afterEach(() => rmSync(base, { recursive: true, force: true }))

describe('run directories', () => {
  it('are named after the process that made them, and swept once it is gone', () => {
    base = mkdtempSync(join(tmpdir(), 'berth-run-dirs-'))
    const mine = makeRunDir(base, 'deploy')
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
    expect(mine).toMatch(new RegExp(`/berth-deploy-${host}-${process.pid}-[^-/]+$`))
    const dead = [`berth-deploy-${host}-999999991-abc`, `berth-ssh-${host}-999999992-x`]
    // A live pid, another machine's name (a container sharing /tmp), and names that are not ours.
    const kept = [`berth-tree-${host}-5-x`, 'berth-deploy-0badc0de-999999993-x', 'berth-deploy-x', 'other-1-x']
    for (const name of [...dead, ...kept]) mkdirSync(join(base, name))
    const removed = sweepDeadRunDirs(base, (pid) => pid === 5)
    expect(removed.sort()).toEqual(dead.sort())
    for (const name of [mine, ...kept.map((k) => join(base, k))]) expect(existsSync(name), name).toBe(true)
  })

  it('finds nothing to do where there is no such directory', () => {
    base = join(tmpdir(), 'berth-run-dirs-missing')
    expect(sweepDeadRunDirs(base)).toEqual([])
  })
})
