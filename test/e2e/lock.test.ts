/**
 * The deploy lock through the CLI: a manual lock, a concurrent deploy, `unlock` and
 * `unlock --force`, and locks left behind by dead or remote holders.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'
import { waitFor } from '../helpers/wait.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

/** A lock as a deploy on some machine would have left it. */
function writeLock(p: Project, holder: Record<string, unknown>, heartbeat: number): void {
  const dir = join(p.target, '.berth', 'lock')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'info.json'), `${JSON.stringify({ since: '2030-01-01T00:00:00.000Z', command: 'deploy', token: 'their-token', ...holder })}\n`)
  writeFileSync(join(dir, 'token'), 'their-token\n')
  writeFileSync(join(dir, 'heartbeat'), `${heartbeat}\n`)
}

describe('lock', () => {
  it('a manual lock refuses deploys with exit 3 naming the holder, until unlock', async () => {
    const p = (project = createProject(localConfig()))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const live = p.current()
    const locked = await p.berth(['lock', 'production', '--reason', 'db maintenance'])
    expect(locked.code, locked.stderr).toBe(0)
    expect(existsSync(join(p.target, '.berth/lock'))).toBe(true)

    p.commit({ 'index.html': 'v2' })
    const refused = await p.berth(['deploy', 'production'])
    expect(refused.code, refused.stderr).toBe(3)
    const user = process.env.USER ?? userInfo().username
    expect(refused.stderr).toContain(`${user}@${hostname()}`)
    expect(refused.stderr).toContain('db maintenance')
    expect(p.current()).toBe(live)
    expect(p.releases()).toHaveLength(1)

    const status = await p.berth(['status', 'production'])
    expect(status.stdout).toContain('db maintenance')
    // A rollback is refused the same way.
    expect((await p.berth(['rollback', 'production'])).code).toBe(3)

    const unlocked = await p.berth(['unlock', 'production'])
    expect(unlocked.code, unlocked.stderr).toBe(0)
    expect(existsSync(join(p.target, '.berth/lock'))).toBe(false)
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    expect(p.releases()).toHaveLength(2)
  })

  it("someone else's manual lock is freed only with --force, which is recorded", async () => {
    const p = (project = createProject(localConfig()))
    writeLock(p, { user: 'alice', machine: 'ops-laptop', pid: 1, manual: true, reason: 'incident 42' }, Math.floor(Date.now() / 1000))
    const plain = await p.berth(['unlock', 'production'])
    expect(plain.code).toBe(3)
    expect(plain.stderr).toContain('alice@ops-laptop')
    expect(plain.stderr).toContain('berth unlock production --force')
    expect(p.exists('.berth/lock')).toBe(true)
    expect(p.history()).toEqual([])
    const forced = await p.berth(['unlock', 'production', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.history()).toEqual([expect.objectContaining({ kind: 'unlock-forced', holder: expect.objectContaining({ user: 'alice', manual: true }) })])
  })

  it('a deploy running elsewhere refuses a second one; plain unlock will not free it, --force does and is recorded', async () => {
    const p = (project = createProject(
      localConfig(['hooks:', '  build:', '    - run: touch __BASE__/started; while [ ! -f __BASE__/go ]; do sleep 0.05; done'].join('\n')),
    ))
    const first = p.spawnBerth(['deploy', 'production'])
    let firstOut = ''
    first.stdout.on('data', (d: Buffer) => (firstOut += d.toString()))
    const firstExit = new Promise<number | null>((resolve) => first.on('close', resolve))
    await waitFor(() => existsSync(join(p.base, 'started')))

    const second = await p.berth(['deploy', 'production'])
    expect(second.code).toBe(3)
    expect(second.stderr).toContain(`(pid ${first.pid})`)
    expect(second.stderr).toMatch(/locked by/)

    const plain = await p.berth(['unlock', 'production'])
    expect(plain.code).toBe(3)
    expect(existsSync(join(p.target, '.berth/lock'))).toBe(true)

    const forced = await p.berth(['unlock', 'production', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    // The deploy is alive on this machine: its hook is its own to end, and only named.
    expect(`${forced.stdout}${forced.stderr}`).toMatch(new RegExp(`hook build \\(hooks\\.build\\[0\\]\\) \\(pid \\d+\\) is left running: its deploy \\(pid ${first.pid}\\) still runs on this machine`))
    expect(existsSync(join(p.target, '.berth/lock'))).toBe(false)
    expect(p.history()).toContainEqual(expect.objectContaining({ kind: 'unlock-forced', holder: expect.objectContaining({ pid: first.pid }) }))

    // Someone else takes the lock meanwhile: the first deploy, when it ends, must leave it be.
    expect((await p.berth(['lock', 'production', '--reason', 'mine now'])).code).toBe(0)
    writeFileSync(join(p.base, 'go'), '')
    expect(await firstExit, firstOut).toBe(0)
    expect(p.read('.berth/lock/info.json')).toContain('mine now')
  })

  it('a lock left by a dead process of this machine is broken with a warning and recorded', async () => {
    const p = (project = createProject(localConfig()))
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const pid = Number(dead.stdout)
    writeLock(p, { user: 'ghost', machine: hostname(), pid }, Math.floor(Date.now() / 1000))
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`broke the lock held by ghost@${hostname()}.*pid ${pid}`))
    expect(p.live()).not.toBeNull()
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.history()[0]).toMatchObject({ kind: 'lock-broken', holder: expect.objectContaining({ pid }) })
  })

  it('a lock held from another machine is never broken by a deploy, only reported (stale once its heartbeat is old)', async () => {
    const p = (project = createProject(localConfig()))
    writeLock(p, { user: 'alice', machine: 'build-server-7', pid: 1 }, Math.floor(Date.now() / 1000) - 3600)
    const result = await p.berth(['deploy', 'production'])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('alice@build-server-7')
    expect(result.stderr).toMatch(/stale/)
    expect(result.stderr).toContain('berth unlock production --force')
    expect(p.exists('.berth/lock/info.json')).toBe(true)
    expect(p.releases()).toEqual([])
  })
})
