/**
 * Rollback and the fleet views, honest and safe, through the CLI on a real directory: a
 * `current` berth did not make survives a failed deploy, rollback goes only to complete
 * releases berth made and restarts the app there, and `status` says what is really there.
 */
import { mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const CAPISTRANO = '20231201120000'

/** restart logs where it ran; verify fails wherever the file `broken` is in the release. */
const config = localConfig(
  [
    'hooks:',
    '  restart:',
    '    - run: echo "restart $(pwd)" >> __BASE__/hooks.log',
    '  verify:',
    '    - run: test ! -f broken',
  ].join('\n'),
)

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
  return JSON.stringify({ current: p.current(), releases: p.releases(), log: p.log() })
}

describe('a current berth did not make', () => {
  it('a Capistrano-style link is put back exactly after a failed verify, and the old app restarted', async () => {
    const p = (project = createProject(config, { broken: 'x' }))
    const old = join(p.target, 'releases', CAPISTRANO)
    mkdirSync(old, { recursive: true })
    writeFileSync(join(old, 'index.html'), '<h1>capistrano</h1>\n')
    symlinkSync(old, join(p.target, 'current'))

    const result = await p.berth(['deploy', 'production'])

    expect(result.code).toBe(1)
    expect(readlinkSync(join(p.target, 'current'))).toBe(old)
    expect(p.read('current/index.html')).toBe('<h1>capistrano</h1>\n')
    const release = p.releases().find((id) => id !== CAPISTRANO)!
    expect(p.record(release).state).toBe('failed')
    expect(p.log()).toEqual([`restart ${join(p.target, 'releases', release)}`, `restart ${old}`])
    expect(result.stdout + result.stderr).not.toMatch(/taken down/)
    expect(p.exists('.berth/lock')).toBe(false)
  })
})

describe('rollback goes only to a complete release berth made', () => {
  it('refuses a release without REVISION, naming the host, with or without --to; nothing changes', async () => {
    const p = (project = createProject(config))
    const [v1] = await deployVersions(p, 2)
    rmSync(join(p.target, 'releases', v1!, 'REVISION'))
    const before = snapshot(p)

    for (const args of [[], ['--to', v1!]]) {
      const result = await p.berth(['rollback', 'production', ...args])
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr).toContain(`release ${v1} is not complete on localhost (it has no REVISION file)`)
      expect(snapshot(p)).toBe(before)
    }
    expect(p.exists('.berth/lock')).toBe(false)
  })

  it('passes over a directory berth has no record of', async () => {
    const p = (project = createProject(config))
    const [v1, v2] = await deployVersions(p, 2)
    // Named like a release, newer than v1, complete: but berth never made it.
    const stray = `${v2!.slice(0, 13)}00-0000000`
    expect(stray > v1! && stray < v2!).toBe(true)
    mkdirSync(join(p.target, 'releases', stray))
    writeFileSync(join(p.target, 'releases', stray, 'REVISION'), 'nope\n')

    const result = await p.berth(['rollback', 'production'])

    expect(result.code, result.stderr).toBe(0)
    expect(p.current()).toBe(`releases/${v1}`)
  })
})

describe('rollback restarts', () => {
  it('restarts the release live again, and a failed verify there is a failed host', async () => {
    const p = (project = createProject(config))
    const [v1] = await deployVersions(p, 2)
    const logged = p.log().length
    writeFileSync(join(p.target, 'releases', v1!, 'broken'), 'x')

    const result = await p.berth(['rollback', 'production'])

    expect(result.code).toBe(1)
    expect(p.current()).toBe(`releases/${v1}`)
    expect(p.log().slice(logged)).toEqual([`restart ${join(p.target, 'releases', v1!)}`])
    expect(result.stdout + result.stderr).toMatch(/localhost[^\n]*verify/)
    expect(p.history().at(-1)).toMatchObject({ kind: 'rollback', result: 'failed' })
    expect(p.exists('.berth/lock')).toBe(false)
  })
})

describe('status', () => {
  it('shows a live release whose directory is gone as broken, and a real directory as one', async () => {
    const p = (project = createProject(localConfig()))
    const [v1] = await deployVersions(p, 1)
    rmSync(join(p.target, 'releases', v1!), { recursive: true })
    const broken = await p.berth(['status', 'production'])
    expect(broken.code, broken.stderr).toBe(0)
    expect(broken.stdout).toMatch(new RegExp(`localhost +${v1} \\(BROKEN: its directory is gone\\)`))

    rmSync(join(p.target, 'current'))
    mkdirSync(join(p.target, 'current'))
    const directory = await p.berth(['status', 'production'])
    expect(directory.stdout).toMatch(/localhost +\(a real directory, not a symlink\)/)
    expect(directory.stdout).not.toContain('(none)')
  })
})
