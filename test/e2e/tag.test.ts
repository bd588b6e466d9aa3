/**
 * `tag:` with the real CLI and real git: after a successful deploy the deployed commit gets
 * an annotated tag in the local repository, numbered per month (UTC, from the deploy's
 * clock), pushed when asked; a failed deploy tags nothing, and a tag that cannot be made or
 * pushed is a warning, never a failed deploy.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const at = (iso: string): { env: NodeJS.ProcessEnv } => ({ env: { BERTH_TEST_CLOCK: String(Date.parse(iso)) } })

const verifyHook = ['hooks:', '  verify:', '    - run: test -z "$FAIL_VERIFY"'].join('\n')

function tagged(p: Project): string[] {
  return p.git('tag', '--list').split('\n').filter((line) => line !== '')
}

describe('tag', () => {
  it('numbers tags per month across a month boundary, annotated, on the deployed commit, and history shows them', async () => {
    const p = (project = createProject(localConfig(['    tag: "{yyyy}{mm}.{n}"', verifyHook].join('\n'))))
    // Tags of other months and other shapes do not count.
    p.git('tag', '202912.7')
    p.git('tag', 'v1.0')
    const sha = p.git('rev-parse', 'HEAD')

    const planned = await p.berth(['deploy', 'production', '--plan'], at('2030-01-31T23:58:00Z'))
    expect(planned.code, planned.stderr).toBe(0)
    expect(planned.stdout).toContain(`after success: tag ${sha.slice(0, 12)} as 203001.1 (in the local repository)`)
    expect(tagged(p)).toEqual(['202912.7', 'v1.0'])

    const first = await p.berth(['deploy', 'production'], at('2030-01-31T23:58:00Z'))
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.stdout).toContain(`tagged ${sha.slice(0, 12)} as 203001.1`)
    const second = p.commit({ 'index.html': 'v2' })
    expect((await p.berth(['deploy', 'production'], at('2030-01-31T23:59:30Z'))).code).toBe(0)
    // 00:00:30 UTC on 1 February is still January in New York: the month is UTC's.
    expect((await p.berth(['deploy', 'production'], { env: { ...at('2030-02-01T00:00:30Z').env, TZ: 'America/New_York' } })).code).toBe(0)
    expect((await p.berth(['deploy', 'production'], at('2030-02-01T00:01:30Z'))).code).toBe(0)

    expect(tagged(p)).toEqual(['202912.7', '203001.1', '203001.2', '203002.1', '203002.2', 'v1.0'])
    expect(p.git('cat-file', '-t', '203001.1')).toBe('tag')
    expect(p.git('rev-list', '-n', '1', '203001.1')).toBe(sha)
    expect(p.git('rev-list', '-n', '1', '203002.2')).toBe(second)
    expect(p.git('tag', '--list', '--format=%(contents:subject)', '203002.2')).toMatch(/^berth: shop deployed to production as release 2030020\dT/)
    // No identity configured on this machine (an isolated HOME): the deploy's own names the tagger.
    expect(p.git('tag', '--list', '--format=%(taggername)', '203002.2')).not.toBe('')

    expect(p.history().map((entry) => entry.tag)).toEqual(['203001.1', '203001.2', '203002.1', '203002.2'])
    const history = await p.berth(['history', 'production'])
    expect(history.stdout).toMatch(/\brelease\s+tag\s+took\b/)
    expect(history.stdout).toMatch(/\b203002\.2\b/)
    expect(history.stdout).toMatch(/\b203001\.1\b/)
  })

  it('makes no tag after a failed deploy, and history records none', async () => {
    const p = (project = createProject(localConfig(['    tag: "{yyyy}{mm}.{n}"', verifyHook].join('\n'))))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    p.commit({ 'index.html': 'v2' })
    const failed = await p.berth(['deploy', 'production'], { env: { FAIL_VERIFY: '1' } })
    expect(failed.code).toBe(1)
    expect(failed.stdout).not.toContain('tagged')
    expect(tagged(p)).toEqual(['203001.1'])
    expect(p.history().at(-1)).toMatchObject({ result: 'failed' })
    expect(p.history().at(-1)).not.toHaveProperty('tag')
    // The next good deploy counts on from the last tag.
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    expect(tagged(p)).toEqual(['203001.1', '203001.2'])
  })

  it('pushes the tag to the configured remote (a bare repository)', async () => {
    const p = (project = createProject(localConfig('    tag: { name: "release-{yyyy}-{mm}-{n}", push: origin }')))
    const remote = join(p.base, 'remote.git')
    execFileSync('git', ['init', '-q', '--bare', remote])
    p.git('remote', 'add', 'origin', remote)
    const planned = await p.berth(['deploy', 'production', '--plan'])
    expect(planned.stdout).toContain('as release-2030-01-1 and push it to origin')

    const run = await p.berth(['deploy', 'production'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toContain('as release-2030-01-1 and pushed it to origin')
    const pushed = execFileSync('git', ['--git-dir', remote, 'for-each-ref', '--format=%(refname) %(objecttype) %(*objectname)', 'refs/tags'], { encoding: 'utf8' }).trim()
    expect(pushed).toBe(`refs/tags/release-2030-01-1 tag ${p.git('rev-parse', 'HEAD')}`)
  })

  it('with a repo URL, tags in berth\'s mirror of it and pushes to its origin, counting on from the tags pushed', async () => {
    const p = (project = createProject(localConfig('    tag: { name: "{yyyy}{mm}.{n}", push: origin }\nrepo: file://__BASE__/remote.git\nbranch: main')))
    const remote = join(p.base, 'remote.git')
    execFileSync('git', ['init', '-q', '--bare', remote])
    p.git('push', '-q', remote, 'main')
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const second = await p.berth(['deploy', 'production'])
    expect(second.code, second.stdout + second.stderr).toBe(0)
    expect(second.stdout).toContain('as 203001.2 and pushed it to origin')
    expect(execFileSync('git', ['--git-dir', remote, 'tag', '--list'], { encoding: 'utf8' }).trim().split('\n')).toEqual(['203001.1', '203001.2'])
  })

  it('warns when the push fails, and the deploy still succeeds with the tag made locally', async () => {
    const p = (project = createProject(localConfig('    tag: { name: "{yyyy}{mm}.{n}", push: origin }')))
    p.git('remote', 'add', 'origin', join(p.base, 'no such remote.git'))
    const run = await p.berth(['deploy', 'production'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(run.stdout + run.stderr).toMatch(/tagged [0-9a-f]{12} as 203001\.1, but could not push it to origin: .*\(push it with: git push origin 203001\.1\)/)
    expect(tagged(p)).toEqual(['203001.1'])
    expect(p.history().at(-1)).toMatchObject({ result: 'success', tag: '203001.1' })
    expect(p.exists('.berth/lock')).toBe(false)
  })

  it('warns when the tag cannot be made, and the deploy still succeeds', async () => {
    // A template without {n} names the same tag twice: the second deploy cannot make it.
    const p = (project = createProject(localConfig('    tag: "live-{yyyy}{mm}"')))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const again = await p.berth(['deploy', 'production'])
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(again.stdout + again.stderr).toMatch(/could not tag [0-9a-f]{12}: .*already exists.*\(the deploy itself succeeded\)/)
    expect(p.history().map((entry) => entry.tag ?? null)).toEqual(['live-203001', null])
  })

  it('refuses a template git could not use, before anything runs', async () => {
    const p = (project = createProject(localConfig('    tag: "{yyyy} {mm}"')))
    const run = await p.berth(['deploy', 'production'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/berth\.yml:\d+ environments\.production\.tag: expected a tag name template/)
    expect(p.releases()).toEqual([])
  })
})
