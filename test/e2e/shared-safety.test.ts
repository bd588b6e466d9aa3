/**
 * Shared paths never reach outside the deploy directory: one under a directory the
 * repository commits as a symlink to elsewhere fails the deploy (nothing outside touched),
 * and one with `..` or a leading `/` is refused when the config is read.
 */
import { lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('shared paths', () => {
  it('under a committed symlink that leads out of the release: exit 1, release failed, nothing outside touched', async () => {
    const p = (project = createProject(localConfig('shared:\n  files: [config/app.env]')))
    const first = await p.berth(['deploy', 'production'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const good = p.live()!

    const outside = join(p.base, 'outside')
    mkdirSync(outside)
    writeFileSync(join(outside, 'app.env'), 'PRECIOUS=1\n')
    // `config -> <base>/outside`, committed as a symlink.
    symlinkSync(outside, join(p.dir, 'config'))
    p.commit({}, 'config is now a link')
    const before = new Set(p.releases())

    const result = await p.berth(['deploy', 'production'])
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(1)
    expect(out).toContain('shared path config/app.env: config in the release is a symlink')
    expect(readdirSync(outside)).toEqual(['app.env'])
    expect(lstatSync(join(outside, 'app.env')).isFile()).toBe(true)
    expect(readFileSync(join(outside, 'app.env'), 'utf8')).toBe('PRECIOUS=1\n')
    expect(p.current()).toBe(`releases/${good}`)
    expect(p.exists('.berth/lock')).toBe(false)
    // The link shares the fetch step's round trip when no hook sits between them, and its
    // failure is recorded there (docs/architecture.md, "Round trips per host"); the release,
    // left incomplete, is removed and its record kept as failed.
    const failed = p.history().at(-1)!
    expect(failed).toMatchObject({ result: 'failed', failedStep: 'fetch' })
    expect(p.record(String(failed.release))).toMatchObject({ state: 'failed', failedStep: 'fetch' })
    expect(p.releases()).toEqual([...before])
    // shared/ keeps the file the first deploy created.
    expect(lstatSync(join(p.target, 'shared', 'config', 'app.env')).isFile()).toBe(true)
  })

  it.each([
    ['files', '../outside/app.env'],
    ['files', 'config/../../etc/passwd'],
    ['dirs', '/var/log'],
  ])('with ".." or a leading "/" (shared.%s: %s): exit 2 at the line, nothing created', async (kind, path) => {
    const config = localConfig(`shared:\n  ${kind}:\n    - ${path}`)
    const p = (project = createProject(config))
    const line = config.split('\n').findIndex((l) => l.includes(path)) + 1
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(2)
    expect(result.stderr).toMatch(new RegExp(`berth\\.yml:${line}\\b.*shared\\.${kind}\\[0\\]: expected a relative path without a leading "/" or "\\.\\." parts`))
    expect(() => lstatSync(p.target)).toThrow()
  })
})
