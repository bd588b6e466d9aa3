/**
 * `berth deploy ENV --resume` through the CLI on this machine: a failed migration fixed
 * outside the repo and resumed without building again, a failed verify resumed from the
 * switch, the plan of a resume, and each refusal (nothing to resume, the ref moved,
 * another environment's deploy, the release removed since), which change nothing.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, type Project } from '../helpers/project.js'

const output = (result: { stdout: string; stderr: string }): string => `${result.stdout}\n${result.stderr}`

/** A local build that counts its runs, a migration and a verify that fail while a file outside the repo says so. */
const config = (environments = ['  production:', '    hosts:', '      - { host: localhost, transport: local, roles: [web, db] }']): string =>
  [
    'app: shop',
    'deployTo: __TARGET__',
    'keepReleases: 3',
    'build:',
    '  - run: echo built >> __BASE__/builds && mkdir -p dist && echo app > dist/app.js',
    '    include: [dist/]',
    'environments:',
    ...environments,
    'hooks:',
    '  migrate:',
    '    - run: echo ran >> __BASE__/migrations && test ! -f __BASE__/fail-migrate',
    '  verify:',
    '    - run: test ! -f __BASE__/fail-verify',
  ].join('\n')

let p: Project
afterEach(() => p?.cleanup())

const count = (file: string): number => (existsSync(join(p.base, file)) ? readFileSync(join(p.base, file), 'utf8').trim().split('\n').length : 0)
const failOn = (what: string): void => writeFileSync(join(p.base, `fail-${what}`), '')
const fixed = (what: string): void => rmSync(join(p.base, `fail-${what}`))

/** A project with one good release live, then a deploy that failed at `what`; returns [good, failed]. */
async function failedDeploy(what: 'migrate' | 'verify'): Promise<[string, string]> {
  const first = await p.berth(['deploy', 'production'])
  expect(first.code, output(first)).toBe(0)
  const good = p.live()!
  // Another commit, so the failed deploy builds (the same one would come from the artifact cache).
  p.commit({ 'index.html': '<h1>v1.1</h1>\n' })
  failOn(what)
  const failed = await p.berth(['deploy', 'production'])
  expect(failed.code, output(failed)).toBe(1)
  expect(p.live()).toBe(good)
  return [good, p.releases().find((id) => id !== good)!]
}

describe('deploy --resume', () => {
  it('after a failed migration fixed outside the repo: no build, the same release, success, and history says so', async () => {
    p = createProject(config())
    const [, failed] = await failedDeploy('migrate')
    expect([count('builds'), count('migrations')]).toEqual([2, 2])
    fixed('migrate')

    const plan = await p.berth(['deploy', 'production', '--resume', '--plan'])
    expect(plan.code, output(plan)).toBe(0)
    expect(plan.stdout).toContain(`resuming the failed deploy of release ${failed}`)
    expect(plan.stdout).toContain('the release is marked preparing again on localhost (its files are there)')
    expect(plan.stdout).toMatch(/ {2}fetch\n {4}skipped on localhost: finished there in the failed deploy/)
    expect(plan.stdout).toMatch(/ {2}migrate\n {4}on localhost:\n {6}migrate: echo ran/)
    expect(count('builds')).toBe(2)

    const resumed = await p.berth(['deploy', 'production', '--resume'])
    expect(resumed.code, output(resumed)).toBe(0)
    expect(count('builds')).toBe(2)
    expect(count('migrations')).toBe(3)
    expect(p.live()).toBe(failed)
    expect(p.record(failed)).toMatchObject({ state: 'active' })
    expect(p.read('current/dist/app.js')).toBe('app\n')
    const last = p.history().at(-1)!
    expect(last).toMatchObject({ kind: 'deploy', result: 'success', release: failed, resumeOf: failed })
    expect(Object.keys(last.steps as object)).not.toContain('fetch')
    const history = await p.berth(['history', 'production'])
    expect(history.stdout).toMatch(new RegExp(`deploy \\(resume\\).*${failed}.*success`))
  })

  it('after a failed verify (the host was put back): switches and verifies again, the migration does not run again', async () => {
    p = createProject(config())
    const [good, failed] = await failedDeploy('verify')
    fixed('verify')
    const resumed = await p.berth(['deploy', 'production', '--resume'])
    expect(resumed.code, output(resumed)).toBe(0)
    expect(count('migrations')).toBe(2)
    expect(p.live()).toBe(failed)
    expect(p.record(good).state).toBe('ready')
    expect(resumed.stdout).toContain(`current → ${failed}`)
  })

  it('refuses when there is nothing to resume, and changes nothing', async () => {
    p = createProject(config())
    const none = await p.berth(['deploy', 'production', '--resume'])
    expect(none.code, output(none)).toBe(2)
    expect(none.stderr).toContain('nothing to resume: no deploy of production on these hosts')
    expect(existsSync(p.target)).toBe(false)
    expect(count('builds')).toBe(0)

    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const live = p.live()
    const again = await p.berth(['deploy', 'production', '--resume'])
    expect(again.code, output(again)).toBe(2)
    expect(again.stderr).toMatch(/nothing to resume: the last deploy of production \(release \S+, .*\) succeeded/)
    expect([p.live(), p.releases().length, p.exists('.berth/lock'), count('builds')]).toEqual([live, 1, false, 1])
  })

  it('refuses when the branch moved since the failed deploy, and resumes with --ref SHA', async () => {
    p = createProject(config())
    const [good, failed] = await failedDeploy('migrate')
    fixed('migrate')
    const failedSha = p.record(failed).revision as string
    p.commit({ 'index.html': '<h1>v2</h1>\n' })
    const refused = await p.berth(['deploy', 'production', '--resume'])
    expect(refused.code, output(refused)).toBe(2)
    expect(refused.stderr).toContain(`but the failed deploy of release ${failed} was of ${failedSha.slice(0, 12)}`)
    expect(refused.stderr).toContain(`--resume --ref ${failedSha}`)
    expect([p.live(), p.exists('.berth/lock')]).toEqual([good, false])

    const resumed = await p.berth(['deploy', 'production', '--resume', '--ref', failedSha])
    expect(resumed.code, output(resumed)).toBe(0)
    expect(p.live()).toBe(failed)
    expect(count('builds')).toBe(2)
  })

  it("refuses to resume another environment's failed deploy on the same hosts", async () => {
    const host = '      - { host: localhost, transport: local, roles: [web, db] }'
    p = createProject(config(['  production:', '    hosts:', host, '  canary:', '    hosts:', host]))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    failOn('migrate')
    expect((await p.berth(['deploy', 'canary'])).code).toBe(1)
    fixed('migrate')
    const refused = await p.berth(['deploy', 'production', '--resume'])
    expect(refused.code, output(refused)).toBe(2)
    expect(refused.stderr).toMatch(/the last deploy on these hosts was of canary \(release \S+\), not production/)
    expect(refused.stderr).toContain('berth deploy canary --resume')
    expect((await p.berth(['deploy', 'canary', '--resume'])).code).toBe(0)
  })

  it('refuses when the failed release was removed from the host since', async () => {
    p = createProject(config())
    const [good, failed] = await failedDeploy('migrate')
    fixed('migrate')
    rmSync(join(p.target, 'releases', failed), { recursive: true })
    const refused = await p.berth(['deploy', 'production', '--resume'])
    expect(refused.code, output(refused)).toBe(1)
    expect(refused.stderr).toContain(`release ${failed} of the failed deploy was removed from localhost since`)
    expect(refused.stderr).toContain('deploy again without --resume')
    expect([p.live(), p.exists('.berth/lock'), count('builds')]).toEqual([good, false, 2])
  })
})

describe('deploy --resume, what it does again', () => {
  const base = (lines: string[]): string =>
    ['app: shop', 'deployTo: __TARGET__', 'environments:', '  production:', '    hosts:', '      - { host: localhost, transport: local, roles: [web, db] }', ...lines].join('\n')

  // (fetch is done once the files arrived: an after_fetch hook that failed is not run again.)
  it.each(['link', 'build'])("runs again the hooks of a step whose own work had finished but whose after_%s hook failed, keeping the release's files", async (step) => {
    p = createProject(base(['hooks:', `  after_${step}:`, `    - run: echo ran >> __BASE__/after-hook && test ! -f __BASE__/fail-${step}`]))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    p.commit({ 'index.html': '<h1>v2</h1>\n' })
    failOn(step)
    expect((await p.berth(['deploy', 'production'])).code).toBe(1)
    // Not fixed yet: the resume runs the failing hook again, and fails again.
    const again = await p.berth(['deploy', 'production', '--resume'])
    expect(again.code, output(again)).toBe(1)
    fixed(step)
    const resumed = await p.berth(['deploy', 'production', '--resume'])
    expect(resumed.code, output(resumed)).toBe(0)
    expect(count('after-hook')).toBe(4)
    expect(p.read('current/index.html')).toBe('<h1>v2</h1>\n')
  })

  it('writes the templates again, so a secret fixed before the resume is the one rendered', async () => {
    p = createProject(
      base(['secrets: [DB_PASSWORD]', 'templates:', '  - { src: db.tmpl, dest: config/db.conf }', 'hooks:', '  verify:', '    - run: grep -q pw=good config/db.conf']),
    )
    p.commit({ 'db.tmpl': 'pw=${DB_PASSWORD}\n' })
    const failed = await p.berth(['deploy', 'production'], { env: { DB_PASSWORD: 'bad' } })
    expect(failed.code, output(failed)).toBe(1)
    const resumed = await p.berth(['deploy', 'production', '--resume'], { env: { DB_PASSWORD: 'good' } })
    expect(resumed.code, output(resumed)).toBe(0)
    expect(readFileSync(join(p.target, 'shared', 'config', 'db.conf'), 'utf8')).toBe('pw=good\n')
  })

  it('refuses to rebuild, under its name, a promoted release that a host does not hold yet', async () => {
    p = createProject(
      [
        'app: shop',
        'build:',
        '  - run: echo "built for $BERTH_ENV" > built.txt',
        '    include: [built.txt]',
        'environments:',
        '  staging:',
        '    deployTo: __BASE__/staging',
        '    hosts: [{ host: localhost, transport: local }]',
        '  production:',
        '    deployTo: __TARGET__',
        '    hosts: [{ host: localhost, transport: local }]',
        'hooks:',
        '  before_fetch:',
        '    - run: test "$BERTH_ENV" != production || test ! -f __BASE__/fail-fetch',
      ].join('\n'),
    )
    expect((await p.berth(['deploy', 'staging'])).code).toBe(0)
    failOn('fetch')
    expect((await p.berth(['promote', 'staging', 'production'])).code).toBe(1)
    fixed('fetch')
    const refused = await p.berth(['deploy', 'production', '--resume'])
    expect(refused.code, output(refused)).toBe(2)
    expect(refused.stderr).toContain('the failed run was a promote of')
    expect(refused.stderr).toContain('berth promote staging production --release')
    const again = await p.berth(['promote', 'staging', 'production'])
    expect(again.code, output(again)).toBe(0)
    expect(p.read('current/built.txt')).toBe('built for staging\n')
  })
})
