import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeRunDir, sweepDeadRunDirs } from './run-dirs.js'

let base: string
afterEach(() => rmSync(base, { recursive: true, force: true }))

describe('run directories', () => {
  it('are named after the process that made them, and swept once it is gone', () => {
    base = mkdtempSync(join(tmpdir(), 'berth-run-dirs-'))
    const mine = makeRunDir(base, 'deploy')
    expect(mine).toMatch(new RegExp(`/berth-deploy-${process.pid}-`))
    for (const name of ['berth-deploy-999999991-abc', 'berth-ssh-999999992-x', 'berth-tree-5-x', 'berth-deploy-x', 'other-1-x']) mkdirSync(join(base, name))
    const alive = new Set([5])
    const removed = sweepDeadRunDirs(base, (pid) => alive.has(pid))
    expect(removed.sort()).toEqual(['berth-deploy-999999991-abc', 'berth-ssh-999999992-x'])
    for (const kept of [mine, join(base, 'berth-tree-5-x'), join(base, 'berth-deploy-x'), join(base, 'other-1-x')]) expect(existsSync(kept), kept).toBe(true)
  })

  it('finds nothing to do where there is no such directory', () => {
    base = join(tmpdir(), 'berth-run-dirs-missing')
    expect(sweepDeadRunDirs(base)).toEqual([])
  })
})
