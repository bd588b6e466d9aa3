/**
 * Where a hook's output goes, through the built CLI: every line kept in the deploy's log
 * beside the config (the summary says where), a failed hook's last lines in the summary,
 * and on a terminal each host's newest line live on its row.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isolatedDirs } from '../helpers/isolated-env.js'
import { BIN, createProject, localConfig, type Project } from '../helpers/project.js'
import { shellJoin } from '../../src/transport/quote.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const noisy = localConfig(
  ['hooks:', '  after_link:', '    - run: for i in $(seq 1 40); do echo "migrating $i"; done; test ! -f fail', '  build: [echo building]'].join('\n'),
)

describe('hook output', () => {
  it('is kept whole in .berth/log/<release>.log, 0600, and the summary says where', async () => {
    const p = (project = createProject(noisy))
    const deployed = await p.berth(['deploy', 'production'])
    expect(deployed.code, deployed.stderr).toBe(0)
    const release = p.live()!
    const file = join(p.dir, '.berth', 'log', `${release}.log`)
    expect(deployed.stdout).toContain(`full hook output: .berth/log/${release}.log`)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const lines = readFileSync(file, 'utf8').split('\n')
    for (let i = 1; i <= 40; i++) expect(lines).toContain(`localhost | migrating ${i}`)
    expect(lines).toContain('localhost | building')
    // The log is berth's, not the app's: the next deploy does not call it an uncommitted change.
    p.commit({ 'index.html': 'v2' })
    const again = await p.berth(['deploy', 'production'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).not.toContain('uncommitted')
  })

  it('of a failed hook shows its last lines in the summary, and all of them in the log', async () => {
    const p = (project = createProject(noisy, { fail: '' }))
    const failed = await p.berth(['deploy', 'production'])
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain('migrating 40')
    const release = p.releases().at(-1)!
    expect(failed.stdout).toContain(`full hook output: .berth/log/${release}.log`)
    expect(readFileSync(join(p.dir, '.berth', 'log', `${release}.log`), 'utf8')).toContain('localhost | migrating 1\n')
  })

  it('is not logged by a plan, which runs no hook', async () => {
    const p = (project = createProject(noisy))
    expect((await p.berth(['deploy', 'production', '--plan'])).code).toBe(0)
    expect(existsSync(join(p.dir, '.berth'))).toBe(false)
  })

  it('shows each host\'s newest line live on a terminal', () => {
    const p = (project = createProject(localConfig(['hooks:', '  after_link: [echo first step; sleep 1; echo second step; sleep 1]'].join('\n'))))
    const isolated = isolatedDirs(join(p.base, 'home'))
    // `script` gives the CLI a terminal, as a person at one has.
    const result = spawnSync('script', ['-qec', shellJoin(['node', BIN, 'deploy', 'production']), '/dev/null'], {
      cwd: p.dir,
      encoding: 'utf8',
      timeout: 60_000,
      // The terminal `script` opens reports no size: the live view must still show.
      env: { ...process.env, ...isolated.env, HOME: join(p.base, 'home'), NO_COLOR: '1' },
    })
    expect(result.status, result.stdout).toBe(0)
    expect(result.stdout).toMatch(/hook after_link · first step/)
    expect(result.stdout).toMatch(/hook after_link · second step/)
  })
})
