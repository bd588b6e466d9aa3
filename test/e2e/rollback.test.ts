/**
 * `berth rollback` through the CLI: back one release, to a named one, twice in a row, and
 * with nowhere to go.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const config = localConfig(['hooks:', '  rollback:', '    - run: echo "rollback to $BERTH_RELEASE from $BERTH_PREVIOUS_RELEASE in $(pwd)" >> __BASE__/hooks.log'].join('\n'))

/** Deploys `count` commits (v1, v2, ...) and returns the release names, oldest first. */
async function deployVersions(p: Project, count: number): Promise<string[]> {
  const releases: string[] = []
  for (let n = 1; n <= count; n++) {
    if (n > 1) p.commit({ 'index.html': `<h1>v${n}</h1>\n` })
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stderr).toBe(0)
    releases.push(p.live()!)
  }
  return releases
}

function snapshot(p: Project): string {
  const records = p.releases().map((id) => JSON.stringify(p.record(id)))
  return JSON.stringify({ current: p.current(), releases: p.releases(), records })
}

describe('rollback', () => {
  it('goes back to the previous release, marks the one it left rolled-back and runs the rollback hooks', async () => {
    const p = (project = createProject(config))
    const [v1, v2] = await deployVersions(p, 2)
    const result = await p.berth(['rollback', 'production'])
    expect(result.code, result.stderr).toBe(0)
    expect(p.current()).toBe(`releases/${v1}`)
    expect(p.read('current/index.html')).toBe('<h1>v1</h1>\n')
    expect(p.record(v2!).state).toBe('rolled-back')
    expect(p.record(v1!).state).toBe('active')
    expect(p.log()).toEqual([`rollback to ${v1} from ${v2} in ${join(p.target, 'releases', v1!)}`])
    expect(p.history().at(-1)).toMatchObject({ kind: 'rollback', release: v1, from: v2, result: 'success' })
    expect(p.exists('.berth/lock')).toBe(false)
  })

  it('rolls back to a named release with --to', async () => {
    const p = (project = createProject(config))
    const [v1, , v3] = await deployVersions(p, 3)
    const result = await p.berth(['rollback', 'production', '--to', v1!])
    expect(result.code, result.stderr).toBe(0)
    expect(p.current()).toBe(`releases/${v1}`)
    expect(p.record(v3!).state).toBe('rolled-back')
  })

  it('never returns to a rolled-back release: twice goes two releases back, and a later one skips them too', async () => {
    const p = (project = createProject(config))
    const [v1, v2, v3] = await deployVersions(p, 3)
    expect((await p.berth(['rollback', 'production'])).code).toBe(0)
    expect(p.current()).toBe(`releases/${v2}`)
    expect((await p.berth(['rollback', 'production'])).code).toBe(0)
    expect(p.current()).toBe(`releases/${v1}`)
    expect(p.record(v3!).state).toBe('rolled-back')
    expect(p.record(v2!).state).toBe('rolled-back')
    // And with nothing older left, a third plain rollback refuses rather than going "forward".
    const before = snapshot(p)
    const third = await p.berth(['rollback', 'production'])
    expect(third.code).toBe(1)
    expect(snapshot(p)).toBe(before)
    // A new deploy, rolled back, returns to the release that was live, not to a rolled-back one.
    p.commit({ 'index.html': '<h1>v4</h1>\n' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    expect((await p.berth(['rollback', 'production'])).code).toBe(0)
    expect(p.current()).toBe(`releases/${v1}`)
  })

  it('with nothing to go back to: a clear error, exit 1, nothing changed', async () => {
    const p = (project = createProject(config))
    await deployVersions(p, 1)
    const before = snapshot(p)
    const historyBefore = p.history().length
    const result = await p.berth(['rollback', 'production'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/no earlier good release/)
    expect(result.stderr).toMatch(/--to/)
    expect(result.stdout).not.toMatch(/rollback of +failed/)
    expect(snapshot(p)).toBe(before)
    expect(p.log()).toEqual([])
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.history().length).toBeLessThanOrEqual(historyBefore + 1)
  })

  it('with nothing deployed at all: exit 1 and the target stays empty', async () => {
    const p = (project = createProject(config))
    const result = await p.berth(['rollback', 'production'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/nothing is live/)
    expect(p.releases()).toEqual([])
  })

  it('refuses --to a failed release or one that does not exist, changing nothing', async () => {
    const p = (project = createProject(
      localConfig(['hooks:', '  build:', '    - run: test ! -f fail-build'].join('\n')),
    ))
    await deployVersions(p, 1)
    p.commit({ 'fail-build': 'x' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(1)
    const failed = p.releases().find((id) => p.record(id).state === 'failed')!
    expect(failed).toBeDefined()
    const before = snapshot(p)
    const toFailed = await p.berth(['rollback', 'production', '--to', failed])
    expect(toFailed.code).toBe(1)
    expect(toFailed.stderr).toContain('failed')
    const missing = await p.berth(['rollback', 'production', '--to', '20200101T000000-abcdef0'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/not on localhost/)
    const bogus = await p.berth(['rollback', 'production', '--to', '../../etc'])
    expect(bogus.code).toBe(2)
    expect(snapshot(p)).toBe(before)
    expect(readFileSync(join(p.target, 'current', 'index.html'), 'utf8')).toBe('<h1>v1</h1>\n')
  })
})
