/**
 * Release trees are never group- or world-writable, whoever deploys: root's `tar -x`
 * keeps the archive's modes and ignores the umask, so berth's own archives must carry
 * 0644/0755 for files and 0755 for directories, whatever `git archive` (tar.umask 0002 by
 * default) or the build's umask would have put there.
 */
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const isRoot = process.getuid?.() === 0

/** Every file and directory (not symlink) in the live release that group or others may write. */
function writableByOthers(p: Project): string[] {
  const release = join(p.target, p.current()!)
  const found = execFileSync('find', [release + '/', '!', '-type', 'l', '-perm', '/022'], { encoding: 'utf8' })
  return found.split('\n').filter((line) => line !== '')
}

const FILES = { 'bin/run': { content: '#!/bin/sh\necho run\n', mode: 0o775 }, 'lib/deep/app.js': { content: 'x\n', mode: 0o664 } }

async function expectClean(p: Project): Promise<void> {
  const result = await p.berth(['deploy', 'production'])
  expect(result.code, result.stdout + result.stderr).toBe(0)
  expect(writableByOthers(p)).toEqual([])
  // Executables stay executable, and nothing else is made so.
  expect(statSync(join(p.target, 'current', 'bin', 'run')).mode & 0o777).toBe(0o755)
  expect(statSync(join(p.target, 'current', 'lib', 'deep', 'app.js')).mode & 0o777).toBe(0o644)
  expect(statSync(join(p.target, 'current', 'lib', 'deep')).mode & 0o777).toBe(0o755)
}

describe.skipIf(!isRoot)('a release deployed as root', () => {
  it('from git (upload): no file or directory is group- or world-writable, on the first deploy and a delta', async () => {
    const p = (project = createProject(localConfig(), FILES))
    await expectClean(p)
    p.commit({ 'lib/deep/new.js': { content: 'y\n', mode: 0o666 } })
    await expectClean(p)
  })

  it('from a build with umask 000: the same', async () => {
    const build = 'build:\n  - run: umask 000 && mkdir -p dist/sub && echo built > dist/sub/app.js && chmod 777 dist\n    include: [dist/]'
    const p = (project = createProject(localConfig(build), FILES))
    await expectClean(p)
    expect(statSync(join(p.target, 'current', 'dist', 'sub', 'app.js')).mode & 0o777).toBe(0o644)
  })

  it('with strategy git (archived on the host): the same', async () => {
    const p = (project = createProject(localConfig('strategy: git\nrepo: file://__BASE__/repo'), FILES))
    await expectClean(p)
  })
})
