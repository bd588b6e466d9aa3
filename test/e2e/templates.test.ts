/**
 * Templates: rendered from the deployed commit with env and secrets, written into shared/
 * as 0600 files and linked into the release; an unset variable or a hostile dest refused
 * before anything changes; the rendered text never in the output, the plan included.
 */
import { lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

const PASSWORD = 'pw-7c1f0e93b2'
const TEMPLATE = 'production:\n  host: ${DB_HOST}\n  password: ${DB_PASSWORD}\n  pool: $${POOL}\n'
const CONFIG = localConfig(
  ['env: { DB_HOST: db.internal }', 'secrets: [DB_PASSWORD]', 'templates:', '  - { src: config/database.yml.tmpl, dest: config/database.yml }'].join('\n'),
)

let project: Project | undefined
afterEach(() => project?.cleanup())

function deployedFile(p: Project): string {
  return join(p.target, 'shared', 'config', 'database.yml')
}

describe('templates', () => {
  it('land in shared/ with mode 0600, rendered from the deployed commit, and are linked into the release', async () => {
    const p = (project = createProject(CONFIG, { 'config/database.yml.tmpl': TEMPLATE }))
    // The working tree is not what is deployed.
    p.write({ 'config/database.yml.tmpl': 'uncommitted ${DB_HOST}\n' })
    const result = await p.berth(['deploy', 'production', '-v'], { env: { DB_PASSWORD: PASSWORD } })
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(0)
    const file = deployedFile(p)
    expect(readFileSync(file, 'utf8')).toBe(`production:\n  host: db.internal\n  password: ${PASSWORD}\n  pool: \${POOL}\n`)
    expect(lstatSync(file).mode & 0o777).toBe(0o600)
    const release = join(p.target, 'current', 'config', 'database.yml')
    expect(readlinkSync(join(p.target, 'releases', p.live()!, 'config', 'database.yml'))).toBe(file)
    expect(readFileSync(release, 'utf8')).toContain(PASSWORD)
    expect(out).not.toContain(PASSWORD)
    expect(readdirSync(join(p.target, '.berth')).filter((name) => name.startsWith('templates-'))).toEqual([])

    // A new value reaches the file on the next deploy, still 0600, beside nothing left over.
    p.commit({ 'config/database.yml.tmpl': TEMPLATE, 'index.html': '<h1>v2</h1>\n' })
    const again = await p.berth(['deploy', 'production'], { env: { DB_PASSWORD: 'pw-rotated-000001' } })
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(readFileSync(join(p.target, 'current', 'config', 'database.yml'), 'utf8')).toContain('pw-rotated-000001')
    expect(lstatSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(join(p.target, 'shared', 'config'))).toEqual(['database.yml'])
  })

  it('on a promote, are rendered from the promoted tree, with the target environment\'s values', async () => {
    const config = [
      'app: shop',
      'secrets: [DB_PASSWORD]',
      'build:',
      '  - run: echo built > built.txt',
      '    include: [built.txt]',
      'templates:',
      '  - { src: config/database.yml.tmpl, dest: config/database.yml }',
      'environments:',
      '  staging:',
      '    deployTo: __BASE__/staging',
      '    env: { DB_HOST: staging.db }',
      '    hosts: [{ host: localhost, transport: local }]',
      '  production:',
      '    deployTo: __TARGET__',
      '    env: { DB_HOST: db.internal }',
      '    hosts: [{ host: localhost, transport: local }]',
    ].join('\n')
    const p = (project = createProject(config, { 'config/database.yml.tmpl': TEMPLATE }))
    expect((await p.berth(['deploy', 'staging'], { env: { DB_PASSWORD: PASSWORD } })).code).toBe(0)
    // The working tree's template changes after the build: the promote must not read it.
    writeFileSync(join(p.dir, 'config', 'database.yml.tmpl'), 'not the promoted template\n')
    const promoted = await p.berth(['promote', 'staging', 'production'], { env: { DB_PASSWORD: PASSWORD } })
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0)
    expect(readFileSync(deployedFile(p), 'utf8')).toBe(`production:\n  host: db.internal\n  password: ${PASSWORD}\n  pool: \${POOL}\n`)
  })

  it('--plan names each template and its dest, without the secrets and without the content', async () => {
    const p = (project = createProject(CONFIG, { 'config/database.yml.tmpl': TEMPLATE }))
    const plan = await p.berth(['deploy', 'production', '--plan'])
    expect(plan.code, plan.stdout + plan.stderr).toBe(0)
    expect(plan.stdout).toContain('render templates (0600): config/database.yml.tmpl → shared/config/database.yml')
    expect(plan.stdout).not.toContain('password:')
    expect(p.exists('shared')).toBe(false)
  })

  it('a variable that is not set refuses the deploy with exit 2, naming it, and nothing changes', async () => {
    const p = (project = createProject(CONFIG, { 'config/database.yml.tmpl': TEMPLATE }))
    const first = await p.berth(['deploy', 'production'], { env: { DB_PASSWORD: PASSWORD } })
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const before = { live: p.live(), releases: p.releases(), history: p.history().length, file: readFileSync(deployedFile(p), 'utf8') }
    p.commit({ 'config/database.yml.tmpl': `${TEMPLATE}  cache: \${CACHE_URL}\n` })
    const result = await p.berth(['deploy', 'production'], { env: { DB_PASSWORD: PASSWORD } })
    expect(result.code, result.stdout + result.stderr).toBe(2)
    expect(result.stderr).toContain('templates[0].src: config/database.yml.tmpl uses ${CACHE_URL}, which is not set')
    expect({ live: p.live(), releases: p.releases(), history: p.history().length, file: readFileSync(deployedFile(p), 'utf8') }).toEqual(before)
    expect(p.exists('.berth/lock')).toBe(false)
  })

  it.each([
    ['../outside.yml', 'expected a relative path without a leading "/" or ".." parts'],
    ['/etc/app.yml', 'expected a relative path without a leading "/" or ".." parts'],
    ['log/app.yml', 'is inside the shared directory "log"'],
  ])('a hostile or overlapping dest (%s) is refused at config load with exit 2, nothing created', async (dest, message) => {
    const config = localConfig(['shared: { dirs: [log] }', 'templates:', `  - { src: app.tmpl, dest: "${dest}" }`].join('\n'))
    const p = (project = createProject(config, { 'app.tmpl': 'x\n' }))
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(2)
    expect(result.stderr).toMatch(/berth\.yml:\d+ templates\[0\]\.dest: /)
    expect(result.stderr).toContain(message)
    expect(() => lstatSync(p.target)).toThrow()
  })

  it('a dest under a symlink in shared/ fails the deploy before the switch, writing nothing through it', async () => {
    const p = (project = createProject(CONFIG, { 'config/database.yml.tmpl': TEMPLATE }))
    const first = await p.berth(['deploy', 'production'], { env: { DB_PASSWORD: PASSWORD } })
    expect(first.code).toBe(0)
    const good = p.live()
    const outside = join(p.base, 'outside')
    mkdirSync(outside)
    const shared = join(p.target, 'shared', 'config')
    // Someone replaced shared/config by a link elsewhere.
    renameSync(shared, join(p.base, 'old-config'))
    symlinkSync(outside, shared)
    p.commit({ 'index.html': '<h1>v2</h1>\n' })
    const result = await p.berth(['deploy', 'production'], { env: { DB_PASSWORD: PASSWORD } })
    expect(result.code, result.stdout + result.stderr).toBe(1)
    expect(result.stdout + result.stderr).toContain('shared/config is a symlink')
    expect(readdirSync(outside)).toEqual([])
    expect(p.live()).toBe(good)
    expect(p.exists('.berth/lock')).toBe(false)
  })
})
