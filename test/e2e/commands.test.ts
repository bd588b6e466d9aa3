/**
 * The fleet-reading and housekeeping commands through the CLI: releases, status, history,
 * run, setup, check, init, and the global flags they share.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { isolatedDirs } from '../helpers/isolated-env.js'
import { BIN, createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('releases, status, history', () => {
  it('show what is live, what is kept, and what happened', async () => {
    const p = (project = createProject(localConfig('hooks:\n  build: [test ! -f fail-build]')))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const v1 = p.live()!
    const sha2 = p.commit({ 'index.html': 'v2' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const v2 = p.live()!
    p.commit({ 'fail-build': '' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(1)
    const failed = p.releases().at(-1)!

    const releases = await p.berth(['releases', 'production'])
    expect(releases.code, releases.stderr).toBe(0)
    expect(releases.stdout).toMatch(new RegExp(`localhost +→ ${v2} +active`))
    expect(releases.stdout).toMatch(new RegExp(`localhost +${v1} +ready`))
    expect(releases.stdout).toMatch(new RegExp(`localhost +${failed} +failed`))

    const status = await p.berth(['status', 'production'])
    expect(status.code).toBe(0)
    expect(status.stdout).toMatch(new RegExp(`localhost +${v2} +${sha2.slice(0, 12)} +free +deploy failed`))

    const history = await p.berth(['history', 'production'])
    expect(history.code).toBe(0)
    const rows = history.stdout.trim().split('\n').slice(1)
    expect(rows).toHaveLength(3)
    expect(rows[0]).toMatch(new RegExp(`deploy .*${failed} .*failed`))
    expect(rows[1]).toMatch(new RegExp(`deploy .*${sha2.slice(0, 7)} +${v2} .*success`))

    const json = await p.berth(['releases', 'production', '--json'])
    const data = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { data: { hosts: { value: { current: string; releases: { id: string; state: string }[] } }[] } }
    expect(data.data.hosts[0]!.value.current).toBe(v2)
    expect(data.data.hosts[0]!.value.releases.map((r) => r.state)).toEqual(['failed', 'active', 'ready'])
  })

  it('work on a host where nothing was deployed yet', async () => {
    const p = (project = createProject(localConfig()))
    for (const command of ['releases', 'status', 'history']) {
      const result = await p.berth([command, 'production'])
      expect(result.code, `${command}: ${result.stderr}`).toBe(0)
    }
    expect(existsSync(p.target)).toBe(false)
  })
})

describe('run', () => {
  it('runs a command in the live release on every host and prints its output; a failure is exit 1', async () => {
    const p = (project = createProject(localConfig('env: { GREETING: hi }')))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const hi = await p.berth(['run', 'production', '--', 'echo "$GREETING from $(pwd)"'])
    expect(hi.code, hi.stderr).toBe(0)
    expect(hi.stdout).toContain(`hi from ${join(p.target, 'current')}`)
    const failing = await p.berth(['run', 'production', '--', 'echo oops >&2; exit 3'])
    expect(failing.code).toBe(1)
    expect(failing.stdout + failing.stderr).toContain('oops')
    expect((await p.berth(['run', 'production'])).code).toBe(2)
  })
})

describe('setup', () => {
  it('creates the layout and shared dirs, runs the setup hooks (local ones once, on this machine), and can run again', async () => {
    const p = (project = createProject(
      localConfig(['shared:', '  dirs: [log, tmp/pids]', '  files: [config/app.env]', 'hooks:', '  setup:', '    - run: echo "setup in $(pwd)" >> __BASE__/hooks.log', '    - run: echo "local setup for $BERTH_HOSTS" >> __BASE__/hooks.log', '      local: true'].join('\n')),
    ))
    const first = await p.berth(['setup', 'production'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    for (const dir of ['releases', 'shared/log', 'shared/tmp/pids', 'shared/config', '.berth']) expect(statSync(join(p.target, dir)).isDirectory(), dir).toBe(true)
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.current()).toBeNull()
    const second = await p.berth(['setup', 'production'])
    expect(second.code, second.stderr).toBe(0)
    expect(p.log()).toEqual([`setup in ${p.target}`, `local setup for localhost`, `setup in ${p.target}`, `local setup for localhost`])
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    expect(p.current()).not.toBeNull()
  })
})

describe('check', () => {
  it('reports the prerequisites of each host and changes nothing', async () => {
    const p = (project = createProject(localConfig()))
    const result = await p.berth(['check', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain('localhost')
    expect(result.stdout).toMatch(/tar/)
    expect(existsSync(p.target)).toBe(false)
  })
})

describe('init', () => {
  it('writes a starter berth.yml that loads, and refuses to overwrite it', () => {
    const base = mkdtempSync(join(tmpdir(), 'berth-init-'))
    const dir = join(base, 'repo')
    mkdirSync(dir)
    try {
      const { env } = isolatedDirs(join(base, 'home'))
      const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } })
      const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir })
      git('init', '-q', '-b', 'main')
      git('commit', '-q', '--allow-empty', '-m', 'start')
      const first = run('init')
      expect(first.status, first.stderr).toBe(0)
      const text = readFileSync(join(dir, 'berth.yml'), 'utf8')
      expect(text).toMatch(/^#/m)
      expect(text).toMatch(/environments:/)
      // The starter is valid config that plans a deploy as it is.
      const plan = run('deploy', 'production', '--plan')
      expect(plan.status, plan.stderr).toBe(0)
      expect(plan.stdout).toMatch(/switch/)
      expect(run('init').status).toBe(2)
      expect(readFileSync(join(dir, 'berth.yml'), 'utf8')).toBe(text)
    } finally {
      rmSync(base, { recursive: true, force: true })
    }
  })
})

describe('global flags', () => {
  it('-v is verbose (not --version), -V and --version print the version', async () => {
    const p = (project = createProject(localConfig('hooks:\n  build: [echo building-now]')))
    const verbose = await p.berth(['deploy', 'production', '-v'])
    expect(verbose.code, verbose.stderr).toBe(0)
    expect(verbose.stdout).toContain('building-now')
    expect(p.live()).not.toBeNull()
    const version = await p.berth(['-V'])
    expect(version.stdout).toMatch(/\d+\.\d+\.\d+/)
    expect((await p.berth(['--version'])).stdout).toMatch(/\d+\.\d+\.\d+/)
  })

  it('-q keeps only the summary', async () => {
    const p = (project = createProject(localConfig('hooks:\n  build: [echo building-now]')))
    const quiet = await p.berth(['deploy', 'production', '-q'])
    expect(quiet.code).toBe(0)
    expect(quiet.stdout).not.toContain('building-now')
    expect(quiet.stdout).toContain('succeeded')
  })
})
