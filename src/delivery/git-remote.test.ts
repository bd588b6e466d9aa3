import { describe, expect, it } from 'vitest'
import { layoutFor } from '../release/layout.js'
import { archiveFromMirror, updateMirror } from './git-remote.js'

describe('git strategy commands', () => {
  const layout = layoutFor('/srv/my app')
  it('quotes the remote and paths', () => {
    const command = updateMirror(layout, "ssh://git@example.com/x;rm -rf ~'.git")
    expect(command).toContain(`'ssh://git@example.com/x;rm -rf ~'\\''.git'`)
    expect(command).toContain(`git -C '/srv/my app/repo' fetch --prune --quiet origin`)
  })
  it('archives the sha, or only its subdir', () => {
    expect(archiveFromMirror(layout, '20261123T171500-4634f44', 'a'.repeat(40), 'server/')).toContain(`archive --format=tar ${'a'.repeat(40)}:server |`)
  })
})
