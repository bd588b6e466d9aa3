/**
 * What goes into a release: the commit's tree (a subdir of it, its submodules, symlinks and
 * executable bits), and with `build` steps, their declared outputs only.
 */
import { execFileSync } from 'node:child_process'
import { lstatSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { gitIn, library } from '../helpers/git-library.js'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
const extra: string[] = []
afterEach(() => {
  project?.cleanup()
  for (const dir of extra.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('release contents', () => {
  it('ships only the subdir, with its submodules, symlinks and executable bits', async () => {
    project = createProject(localConfig('subdir: server\n'), {
      'server/app.js': 'app\n',
      'server/bin/start': { content: '#!/bin/sh\n', mode: 0o755 },
      'client/ui.js': 'not deployed\n',
    })
    const lib = library({ 'lib.js': 'library v1\n', 'nested/deep.txt': 'deep\n' }, extra)
    gitIn(project.dir, 'submodule', 'add', '-q', lib, 'server/vendor/lib')
    execFileSync('ln', ['-s', 'app.js', join(project.dir, 'server', 'entry.js')])
    // The config must be at the repo root to be found; subdir applies to the tree only.
    project.git('add', '-A')
    gitIn(project.dir, 'commit', '-q', '-m', 'submodule and link')

    const result = await project.berth(['deploy', 'production'])
    expect(result.code, result.stderr + result.stdout).toBe(0)
    const live = join(project.target, 'current')
    expect(project.read('current/app.js')).toBe('app\n')
    expect(project.read('current/vendor/lib/lib.js')).toBe('library v1\n')
    expect(project.read('current/vendor/lib/nested/deep.txt')).toBe('deep\n')
    expect(project.exists('current/client')).toBe(false)
    expect(project.exists('current/server')).toBe(false)
    expect(statSync(join(live, 'bin/start')).mode & 0o111).not.toBe(0)
    expect(lstatSync(join(live, 'entry.js')).isSymbolicLink()).toBe(true)
    expect(readlinkSync(join(live, 'entry.js'))).toBe('app.js')
  })

  it('redeploys a submodule change: only that file travels', async () => {
    project = createProject(localConfig(), { 'app.js': 'app\n' })
    const lib = library({ 'lib.js': 'library v1\n', 'other.js': 'same\n' }, extra)
    gitIn(project.dir, 'submodule', 'add', '-q', lib, 'vendor/lib')
    gitIn(project.dir, 'commit', '-q', '-m', 'add lib')
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    writeFileSync(join(project.dir, 'vendor/lib/lib.js'), 'library v2\n')
    gitIn(join(project.dir, 'vendor/lib'), 'commit', '-q', '-am', 'v2')
    gitIn(project.dir, 'commit', '-q', '-am', 'bump lib')
    const result = await project.berth(['deploy', 'production', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const upload = result.stdout.split('\n').find((line) => line.includes('"upload:progress"'))!
    expect(JSON.parse(upload)).toMatchObject({ files: 1 })
    expect(project.read('current/vendor/lib/lib.js')).toBe('library v2\n')
    expect(project.read('current/vendor/lib/other.js')).toBe('same\n')
  })

  it('ships build outputs named in include, and nothing else the build left behind', async () => {
    project = createProject(
      localConfig(`build:
  - run: mkdir -p dist node_modules && echo built > dist/app.js && echo junk > node_modules/x && echo changed > index.html
    include: [dist/]
`),
    )
    const result = await project.berth(['deploy', 'production'])
    expect(result.code, result.stderr + result.stdout).toBe(0)
    expect(project.read('current/dist/app.js')).toBe('built\n')
    expect(project.exists('current/node_modules')).toBe(false)
    // The build may rewrite tracked files: what ships is what the build left.
    expect(project.read('current/index.html')).toBe('changed\n')
  })

  it('refuses a build whose declared output is missing, changing nothing on the host', async () => {
    project = createProject(localConfig(`build:
  - run: 'true'
    include: [dist/]
`))
    const result = await project.berth(['deploy', 'production'])
    expect(result.code).toBe(1)
    expect(result.stderr + result.stdout).toContain('the build did not produce dist')
    expect(project.releases()).toEqual([])
    expect(project.exists('.berth/lock')).toBe(false)
  })
})
