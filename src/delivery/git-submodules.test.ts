import { describe, expect, it } from 'vitest'
import { resolveSubmoduleUrl } from './git-submodules.js'

describe('resolveSubmoduleUrl', () => {
  it('leaves absolute URLs alone', () => {
    expect(resolveSubmoduleUrl('https://h/org/app.git', 'https://other/lib.git')).toBe('https://other/lib.git')
  })
  it('resolves relative URLs against the repo holding them', () => {
    expect(resolveSubmoduleUrl('https://h/org/app.git', '../lib.git')).toBe('https://h/org/lib.git')
    expect(resolveSubmoduleUrl('git@h:org/app.git', '../shared/lib.git')).toBe('git@h:org/shared/lib.git')
    expect(resolveSubmoduleUrl('file:///srv/git/app.git', './sub.git')).toBe('file:///srv/git/app.git/sub.git')
  })
})
