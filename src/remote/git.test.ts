import { describe, expect, it } from 'vitest'
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
