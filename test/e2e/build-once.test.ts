/**
 * Build once: the local build runs in a clean checkout of the whole commit (so with
 * `subdir` it can build next to the shipped directory and write into it), and its result is
 * an artifact in this machine's cache: a deploy of the same commit with the same build
 * inputs ships it without building again.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const builds = (p: Project): number => (existsSync(join(p.base, 'builds')) ? readFileSync(join(p.base, 'builds'), 'utf8').trim().split('\n').length : 0)

describe('build once', () => {
  it('builds in the whole checkout: a build in client/ writes into the shipped server/', async () => {
    project = createProject(
      localConfig(`subdir: server
build:
  - run: mkdir -p ../server/public && cp app.txt ../server/public/app.js && echo built >> __BASE__/builds
    cwd: client
    include: [public/]
`),
      { 'client/app.txt': 'the built client\n', 'server/index.js': 'server\n' },
    )
    const result = await project.berth(['deploy', 'production'])
    expect(result.code, result.stderr + result.stdout).toBe(0)
    expect(project.read('current/public/app.js')).toBe('the built client\n')
    expect(project.read('current/index.js')).toBe('server\n')
    expect(project.exists('current/client')).toBe(false)
    expect(project.exists('current/server')).toBe(false)
    expect(builds(project)).toBe(1)
  })

  it('a second deploy of the same commit ships the kept artifact without building; a changed input or a cleared cache builds again', async () => {
    project = createProject(
      localConfig(`env: { FLAVOR: "\${FLAVOR:-plain}" }
build:
  - run: mkdir -p dist && echo "$FLAVOR $(cat index.html)" > dist/app.js && echo built >> __BASE__/builds
    include: [dist/]
`),
    )
    const first = await project.berth(['deploy', 'production'])
    expect(first.code, first.stderr + first.stdout).toBe(0)
    const r1 = project.live()!
    const second = await project.berth(['deploy', 'production'])
    expect(second.code, second.stderr + second.stdout).toBe(0)
    expect(second.stdout + second.stderr).toMatch(/is in this machine's cache .*not building again/)
    const r2 = project.live()!
    expect(r2).not.toBe(r1)
    expect(builds(project)).toBe(1)
    expect(project.read('current/dist/app.js')).toBe(project.read(`releases/${r1}/dist/app.js`))
    // Each release's record names its artifact: the same tree, the same id.
    const artifact = project.record(r1).artifact
    expect(artifact).toMatch(/^[0-9a-f]{64}$/)
    expect(project.record(r2).artifact).toBe(artifact)
    expect(existsSync(join(project.cacheDir, 'artifacts', String(artifact), 'files'))).toBe(true)

    const other = await project.berth(['deploy', 'production'], { env: { FLAVOR: 'spicy' } })
    expect(other.code, other.stderr + other.stdout).toBe(0)
    expect(builds(project)).toBe(2)
    expect(project.read('current/dist/app.js')).toMatch(/^spicy /)

    const shown = await project.berth(['cache'])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/2 artifacts/)
    const cleared = await project.berth(['cache', 'clear'])
    expect(cleared.code, cleared.stderr).toBe(0)
    expect(existsSync(join(project.cacheDir, 'artifacts'))).toBe(false)
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    expect(builds(project)).toBe(3)
  })

  it('keeps the cache within BERTH_CACHE_MAX, least recently used artifact first', async () => {
    project = createProject(localConfig(`build:
  - run: mkdir -p dist && head -c 3000 /dev/zero > dist/blob && echo "$BERTH_REVISION" > dist/rev && echo built >> __BASE__/builds
    include: [dist/]
`))
    const env = { BERTH_CACHE_MAX: '5000' }
    expect((await project.berth(['deploy', 'production'], { env })).code).toBe(0)
    const a1 = project.record(project.live()!).artifact
    project.commit({ 'index.html': 'v2\n' })
    expect((await project.berth(['deploy', 'production'], { env })).code).toBe(0)
    const a2 = project.record(project.live()!).artifact
    expect(a2).not.toBe(a1)
    expect(existsSync(join(project.cacheDir, 'artifacts', String(a1)))).toBe(false)
    expect(existsSync(join(project.cacheDir, 'artifacts', String(a2)))).toBe(true)
  })

  it('refuses a promote within one environment, a release id that is not one, and an unknown cache action (exit 2)', async () => {
    project = createProject(localConfig())
    const same = await project.berth(['promote', 'production', 'production'])
    expect(same.code).toBe(2)
    expect(same.stderr).toContain('production is both')
    const badId = await project.berth(['promote', 'staging', 'production', '--release', 'latest'])
    expect(badId.code).toBe(2)
    expect(badId.stderr).toContain('--release "latest" is not a release name')
    const unknown = await project.berth(['promote', 'nowhere', 'production'])
    expect(unknown.code).toBe(2)
    const cache = await project.berth(['cache', 'frob'])
    expect(cache.code).toBe(2)
    expect(cache.stderr).toContain('berth cache frob: unknown action')
    expect(project.releases()).toEqual([])
  })
})
