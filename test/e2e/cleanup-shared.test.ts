/**
 * What survives across deploys: `keepReleases` cleanup with failed releases in between,
 * and the shared files and directories linked into every release.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('keepReleases cleanup', () => {
  // keepReleases: 3 (localConfig). A build hook fails whenever the commit has `fail-build`.
  const config = localConfig(['hooks:', '  build:', '    - run: test ! -f fail-build'].join('\n'))

  async function deploy(p: Project, fail: boolean): Promise<string> {
    p.commit(fail ? { 'fail-build': 'x' } : {}, fail ? 'broken' : 'good')
    if (!fail) p.git('rm', '-q', '--ignore-unmatch', 'fail-build')
    if (!fail) p.git('commit', '-q', '--allow-empty', '-m', 'fixed')
    const before = new Set(p.releases())
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(fail ? 1 : 0)
    const created = p.releases().filter((id) => !before.has(id))
    // The new release is the newest name, whether or not an older one was just removed.
    return created.at(-1) ?? p.releases().at(-1)!
  }

  it('failed releases do not count, are kept until a later success, then removed; the newest 3 good ones stay', async () => {
    const p = (project = createProject(config))
    const g1 = await deploy(p, false)
    const g2 = await deploy(p, false)
    const f1 = await deploy(p, true)
    const f2 = await deploy(p, true)
    // Failed releases stay on disk for inspection, recorded as failed at the step that failed.
    expect(p.releases()).toEqual([g1, g2, f1, f2])
    expect(p.record(f1)).toMatchObject({ state: 'failed', failedStep: 'build' })
    expect(p.current()).toBe(`releases/${g2}`)

    const g3 = await deploy(p, false)
    expect(p.releases()).toEqual([g1, g2, g3])
    expect(p.exists(`.berth/releases/${f1}.json`)).toBe(false)
    expect(p.exists(`.berth/releases/${f2}.json`)).toBe(false)

    const g4 = await deploy(p, false)
    expect(p.releases()).toEqual([g2, g3, g4])
    expect(p.exists(`.berth/releases/${g1}.json`)).toBe(false)
    expect(p.current()).toBe(`releases/${g4}`)
  })

  it('the last good release before current survives even with keepReleases: 1', async () => {
    const p = (project = createProject(config.replace('keepReleases: 3', 'keepReleases: 1')))
    const good = await deploy(p, false)
    const failed = [await deploy(p, true), await deploy(p, true)]
    expect(p.releases()).toEqual([good, ...failed])
    expect(p.current()).toBe(`releases/${good}`)
    expect(p.record(good).state).toBe('active')
    const next = await deploy(p, false)
    expect(p.releases()).toEqual([good, next])
    expect(p.record(good).state).toBe('ready')
  })

  it('rolled-back releases do not count as good and go at the next cleanup', async () => {
    const p = (project = createProject(config))
    const g1 = await deploy(p, false)
    const g2 = await deploy(p, false)
    expect((await p.berth(['rollback', 'production'])).code).toBe(0)
    const g3 = await deploy(p, false)
    expect(p.releases()).toEqual([g1, g3])
    expect(p.releases()).not.toContain(g2)
  })
})

describe('shared files and directories', () => {
  const config = localConfig(['shared:', '  dirs: [log, public/uploads]', '  files: [config/app.env, .env]'].join('\n'))

  it('links each shared entry into the release, creating or seeding what is missing', async () => {
    const p = (project = createProject(config, { 'config/app.env': 'FROM_REPO=1\n', 'log/README': 'in repo\n' }))
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stderr).toBe(0)
    const release = join(p.target, 'releases', p.live()!)
    for (const entry of ['log', 'public/uploads', 'config/app.env', '.env']) {
      expect(lstatSync(join(release, entry)).isSymbolicLink(), entry).toBe(true)
      expect(readlinkSync(join(release, entry))).toBe(join(p.target, 'shared', entry))
    }
    // Seeded from the release's own copy the first time; created empty otherwise.
    expect(p.read('shared/config/app.env')).toBe('FROM_REPO=1\n')
    expect(p.read('shared/log/README')).toBe('in repo\n')
    expect(p.read('shared/.env')).toBe('')
    expect(lstatSync(join(p.target, 'shared/public/uploads')).isDirectory()).toBe(true)
  })

  it('content written through the links survives redeploys and rollbacks; shared/ is never overwritten or emptied', async () => {
    const p = (project = createProject(config, { 'config/app.env': 'FROM_REPO=1\n' }))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    // The app writes through current/ as it would in production.
    writeFileSync(join(p.target, 'current/log/app.log'), 'line 1\n')
    writeFileSync(join(p.target, 'current/config/app.env'), 'EDITED_ON_HOST=1\n')
    mkdirSync(join(p.target, 'current/public/uploads/2030'), { recursive: true })
    writeFileSync(join(p.target, 'current/public/uploads/2030/cat.jpg'), 'jpeg')
    writeFileSync(join(p.target, 'current/.env'), 'SECRET=1\n')

    // A new commit that also changes the repo's copy of the shared file.
    p.commit({ 'config/app.env': 'FROM_REPO=2\n', 'index.html': '<h1>v2</h1>\n' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const check = (): void => {
      expect(p.read('current/log/app.log')).toBe('line 1\n')
      expect(p.read('current/config/app.env')).toBe('EDITED_ON_HOST=1\n')
      expect(p.read('current/public/uploads/2030/cat.jpg')).toBe('jpeg')
      expect(p.read('current/.env')).toBe('SECRET=1\n')
    }
    check()
    expect(p.read('current/index.html')).toBe('<h1>v2</h1>\n')

    expect((await p.berth(['rollback', 'production'])).code).toBe(0)
    expect(p.read('current/index.html')).toBe('<h1>v1</h1>\n')
    check()

    // Cleanup removes the rolled-back release; shared/ stays whole.
    const v2 = p.releases()[1]
    p.commit({ 'index.html': '<h1>v3</h1>\n' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    expect(p.releases()).toHaveLength(2)
    expect(p.releases()).not.toContain(v2)
    check()
    expect(existsSync(join(p.target, 'shared/log/app.log'))).toBe(true)
  })

  it('a failed deploy leaves shared/ as it was', async () => {
    const p = (project = createProject(localConfig(['shared:', '  dirs: [log]', 'hooks:', '  build: [test ! -f fail-build]'].join('\n'))))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    writeFileSync(join(p.target, 'shared/log/app.log'), 'keep me\n')
    p.commit({ 'fail-build': 'x', 'log/app.log': 'from the repo\n' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(1)
    expect(readFileSync(join(p.target, 'shared/log/app.log'), 'utf8')).toBe('keep me\n')
  })
})
