/**
 * User-supplied values reach host shells only as quoted data: refs with shell
 * metacharacters and a deployTo with spaces, quotes and `$(...)` deploy as they are,
 * and nothing they spell out ever runs.
 */
import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

/** Every file under `dir` that one of the `touch pwnedN` payloads would have created. */
function findPwned(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => /^pwned\d*$/.test(path.split('/').pop() ?? ''))
}

const yamlQuote = (text: string): string => `'${text.replaceAll("'", "''")}'`

describe('shell metacharacters', () => {
  it('deploys branches named with ; $( ) backticks and quotes, verbatim, running none of it', async () => {
    const p = (project = createProject(
      localConfig(['hooks:', '  after_switch:', '    - run: printf "%s\\n" "$BERTH_RELEASE" >> __BASE__/hooks.log'].join('\n')),
    ))
    const branches = ['x;touch${IFS}pwned1', '$(touch${IFS}pwned2)', '`touch${IFS}pwned3`', `it's"a|b&c>pwned4`]
    for (const [i, branch] of branches.entries()) {
      p.git('checkout', '-q', '-b', branch, 'main')
      const sha = p.commit({ 'index.html': `branch ${i}` })
      p.git('checkout', '-q', 'main')
      const result = await p.berth(['deploy', 'production', '--ref', branch])
      expect(result.code, result.stdout + result.stderr).toBe(0)
      const release = p.live()!
      expect(p.read('current/index.html')).toBe(`branch ${i}`)
      expect(p.read('current/REVISION').trim()).toBe(sha)
      expect(p.record(release)).toMatchObject({ ref: branch, revision: sha, state: 'active' })
      expect(p.history().at(-1)).toMatchObject({ ref: branch, sha })
    }
    const status = await p.berth(['history', 'production'])
    expect(status.code).toBe(0)
    expect(p.log()).toHaveLength(branches.length)
    expect(findPwned(p.base)).toEqual([])
  })

  it('works in a deployTo with spaces, quotes, $ and ;', async () => {
    const weird = `srv/my app's "x" $(touch pwned5);y`
    const p = (project = createProject(localConfig(), {}, { target: weird }))
    expect(p.target).toContain(`"x" $(touch pwned5);y`)
    const config = localConfig(
      [
        'shared:',
        '  dirs: [log]',
        '  files: [.env]',
        'hooks:',
        '  build:',
        '    - run: pwd > "$BERTH_RELEASE_PATH/../../hook-cwd"',
        '  after_lock:',
        '    - run: pwd > hook-lock-cwd',
      ].join('\n'),
      { deployTo: yamlQuote(p.target) },
    )
    p.commit({ 'berth.yml': config })
    const first = await p.berth(['deploy', 'production'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const v1 = p.live()!
    expect(p.read('hook-cwd').trim()).toBe(join(p.target, 'releases', v1))
    expect(p.read('hook-lock-cwd').trim()).toBe(p.target)
    expect(lstatSync(join(p.target, 'current', 'log')).isSymbolicLink()).toBe(true)
    expect(p.read('current/.env')).toBe('')

    p.commit({ 'index.html': 'v2' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    expect(p.read('current/index.html')).toBe('v2')
    const rolled = await p.berth(['rollback', 'production'])
    expect(rolled.code, rolled.stderr).toBe(0)
    expect(p.live()).toBe(v1)
    expect((await p.berth(['status', 'production'])).stdout).toContain(v1)
    const run = await p.berth(['run', 'production', '--', 'cat index.html'])
    expect(run.stdout).toContain('<h1>v1</h1>')
    expect(findPwned(p.base)).toEqual([])
  })

  it('sets up, deploys, runs in-repo rollback hooks and cleans up in a deployTo with backticks, globs and a leading -', async () => {
    const weird = "srv/-x `touch pwned8` *[a]? it's $(touch pwned9)/app"
    const p = (project = createProject(localConfig(), {}, { target: weird }))
    const config = localConfig(['hooks:', '  after_switch:', '    - run: pwd >> "$BERTH_DEPLOY_TO/../after-switch.log"'].join('\n'), { deployTo: yamlQuote(p.target) }).replace(
      'keepReleases: 3',
      'keepReleases: 1',
    )
    // No shared entries: setup has only the layout to create.
    p.commit({ 'berth.yml': config, 'deploy/rollback': { content: '#!/bin/sh\npwd > "$BERTH_DEPLOY_TO/../rollback-hook-cwd"\n', mode: 0o755 } })
    const setup = await p.berth(['setup', 'production'])
    expect(setup.code, setup.stdout + setup.stderr).toBe(0)
    expect(lstatSync(join(p.target, 'releases')).isDirectory()).toBe(true)
    const live: string[] = []
    for (const version of ['v1', 'v2', 'v3']) {
      p.commit({ 'index.html': version })
      const result = await p.berth(['deploy', 'production'])
      expect(result.code, result.stdout + result.stderr).toBe(0)
      live.push(p.live()!)
    }
    // keepReleases: 1 keeps the live release and the good one before it (the rollback target).
    expect(p.releases()).toEqual(live.slice(1))
    expect(p.exists(`.berth/releases/${live[0]}.json`)).toBe(false)
    const rolled = await p.berth(['rollback', 'production'])
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0)
    expect(p.live()).toBe(live[1])
    expect(p.read('current/index.html')).toBe('v2')
    expect(p.read('../rollback-hook-cwd').trim()).toBe(join(p.target, 'releases', live[1]!))
    expect(p.read('../after-switch.log').trim().split('\n')).toEqual(live.map((id) => join(p.target, 'releases', id)))
    expect(p.record(live[2]!).state).toBe('rolled-back')
    expect(p.exists('.berth/lock')).toBe(false)
    expect(findPwned(p.base)).toEqual([])
  })

  it('a ref that does not exist, or that looks like an option, is bad usage and changes nothing', async () => {
    const p = (project = createProject(localConfig()))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const before = JSON.stringify([p.current(), p.releases(), p.history()])
    for (const ref of ['no-such-branch', '--output=pwned6', '$(touch pwned7)']) {
      const result = await p.berth(['deploy', 'production', `--ref=${ref}`])
      expect(result.code, ref).toBe(2)
      // Refused before git sees it (a leading "-", a space) or by git (no such commit): exit 2 either way.
      expect(result.stderr).toMatch(/is not a commit|is not a branch, tag or sha/)
    }
    expect(JSON.stringify([p.current(), p.releases(), p.history()])).toBe(before)
    expect(p.exists('.berth/lock')).toBe(false)
    expect(findPwned(p.base)).toEqual([])
  })
})
