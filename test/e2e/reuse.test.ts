/**
 * Dependency reuse through the CLI, on real directories: a second deploy with the same
 * lockfile copies node_modules from the live release and skips its install hook; what a
 * hook writes into the copy never reaches the live release; a changed lockfile installs.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

/** An "install" that builds node_modules from the lockfile and counts itself in hooks.log. */
const CONFIG = localConfig(
  [
    'reuse: [node_modules]',
    'hooks:',
    '  build:',
    '    - run: mkdir node_modules && cp package-lock.json node_modules/installed-from && echo install >> __BASE__/hooks.log',
    '      installs: [node_modules]',
    '  after_build:',
    '    - run: echo "written by after_build" >> node_modules/installed-from',
  ].join('\n'),
)

describe('reuse: [node_modules]', () => {
  it('copies the directory from the live release while the lockfile is unchanged, and installs when it changes', async () => {
    const p = (project = createProject(CONFIG, { 'package-lock.json': '{"lockfileVersion":3,"v":1}\n' }))
    const first = await p.berth(['deploy', 'production'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const one = p.live()!
    expect(p.log()).toEqual(['install'])
    const liveCopy = join(p.target, 'releases', one, 'node_modules', 'installed-from')
    const before = readFileSync(liveCopy, 'utf8')
    expect(before).toBe('{"lockfileVersion":3,"v":1}\nwritten by after_build\n')

    p.commit({ 'index.html': 'v2' })
    const second = await p.berth(['deploy', 'production'])
    expect(second.code, second.stdout + second.stderr).toBe(0)
    const two = p.live()!
    expect(two).not.toBe(one)
    expect(p.log()).toEqual(['install'])
    expect(second.stdout + second.stderr).toContain(`node_modules unchanged since ${one}: copied from it, \`mkdir node_modules`)
    // The copy got the after_build line a second time; the live release's file did not change.
    expect(p.read(`releases/${two}/node_modules/installed-from`)).toBe(`${before}written by after_build\n`)
    expect(readFileSync(liveCopy, 'utf8')).toBe(before)

    p.commit({ 'package-lock.json': '{"lockfileVersion":3,"v":2}\n' })
    const third = await p.berth(['deploy', 'production'])
    expect(third.code, third.stdout + third.stderr).toBe(0)
    expect(p.log()).toEqual(['install', 'install'])
    expect(p.read(`releases/${p.live()!}/node_modules/installed-from`)).toBe('{"lockfileVersion":3,"v":2}\nwritten by after_build\n')
  })

  it('never reuses what a failed install left, and shows the reuse in the plan', async () => {
    const failing = CONFIG.replace('echo install >> __BASE__/hooks.log', 'echo install >> __BASE__/hooks.log && ! grep -q broken package-lock.json')
    const p = (project = createProject(failing, { 'package-lock.json': 'ok\n' }))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    p.commit({ 'package-lock.json': 'broken\n' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(1)
    p.commit({ 'index.html': 'v3' })
    // Same broken lockfile as the failed release, which never went live: installed again (and failing again).
    expect((await p.berth(['deploy', 'production'])).code).toBe(1)
    expect(p.log()).toEqual(['install', 'install', 'install'])
    const plan = await p.berth(['deploy', 'production', '--plan'])
    expect(plan.stdout).toContain('take node_modules from the live release where the key (lockfile, runtime) is unchanged')
  })
})
