import { describe, expect, it } from 'vitest'
import { changedFiles } from './uncommitted.js'

describe('changedFiles', () => {
  it('reads paths from git status -z, a rename counted once under its new name', () => {
    const status = [' M index.html', 'R  new name.txt', 'old name.txt', '?? untracked', ''].join('\0')
    expect(changedFiles(status)).toEqual(['index.html', 'new name.txt', 'untracked'])
  })

  it('finds nothing in a clean tree', () => {
    expect(changedFiles('')).toEqual([])
  })
})
