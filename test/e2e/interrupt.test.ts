/**
 * Ctrl-C, SIGTERM and SIGHUP in the middle of a deploy, sent to the real CLI process: it
 * stops the running hook, leaves the old release live, marks the new one failed, frees the
 * lock, writes history and only then exits, with 128 + the signal's number.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'
import { waitFor } from '../helpers/wait.js'
import { isProcessAlive } from '../../src/process-alive.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const config = localConfig(
  [
    'hooks:',
    '  build:',
    '    - run: if [ -n "$HANG" ]; then echo $$ > __BASE__/hook.pid; sleep 30; echo "not stopped" >> __BASE__/hooks.log; fi',
    '  verify:',
    '    - run: if [ -n "$HANG_VERIFY" ]; then echo $$ > __BASE__/hook.pid; sleep 30; fi',
    '  rollback:',
    '    - run: echo "rollback hook to $BERTH_RELEASE" >> __BASE__/hooks.log',
    '  failed:',
    '    - run: echo "failed hook at $BERTH_FAILED_STEP" >> __BASE__/hooks.log; if [ -n "$SLOW_FAILED" ]; then touch __BASE__/failed.started; sleep 1; echo "failed hook done" >> __BASE__/hooks.log; fi',
  ].join('\n'),
)


describe.each([
  ['SIGINT', 130, /interrupted/],
  ['SIGTERM', 143, /terminated/],
  ['SIGHUP', 129, /hung up/],
] as const)('%s during a deploy', (signal, exitCode, said) => {
  it(`exits ${exitCode} with the old release live, the new one failed and the lock released`, async () => {
    const p = (project = createProject(config))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const good = p.live()!
    p.commit({ 'index.html': 'v2' })

    const child = p.spawnBerth(['deploy', 'production'], { HANG: '1' })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const pidFile = join(p.base, 'hook.pid')
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 15_000, 'the build hook to start')
    const hookPid = Number(readFileSync(pidFile, 'utf8'))
    expect(existsSync(join(p.target, '.berth/lock'))).toBe(true)

    const sent = Date.now()
    child.kill(signal)
    expect(await exited, output).toBe(exitCode)
    expect(Date.now() - sent).toBeLessThan(10_000)

    expect(p.current()).toBe(`releases/${good}`)
    expect(p.exists('.berth/lock')).toBe(false)
    const [interrupted] = p.releases().filter((id) => id !== good)
    expect(interrupted).toBeDefined()
    expect(p.record(interrupted!)).toMatchObject({ state: 'failed', failedStep: 'build' })
    expect(p.history().at(-1)).toMatchObject({ kind: 'deploy', result: 'interrupted', release: interrupted })
    // The hook was stopped with its process group, not left running.
    await waitFor(() => !isProcessAlive(hookPid), 5000, 'the hook to be gone')
    expect(p.log()).not.toContain('not stopped')
    expect(p.log()).toContain('failed hook at build')
    expect(output).toMatch(said)
    expect(output).not.toMatch(/\n\s+at /)
    expect(output).toContain('nothing destructive happened')

    // The next deploy goes through as usual.
    const next = await p.berth(['deploy', 'production'])
    expect(next.code, next.stdout + next.stderr).toBe(0)
  })
})

describe('signals that come again while the run cleans up', () => {
  it('do not cut the cleanup short, and are answered once', async () => {
    const p = (project = createProject(config))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const good = p.live()!
    p.commit({ 'index.html': 'v2' })
    // The `failed` hook runs during the cleanup and takes a second: the later signals land in it.
    const child = p.spawnBerth(['deploy', 'production'], { HANG: '1', SLOW_FAILED: '1' })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const pidFile = join(p.base, 'hook.pid')
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 15_000, 'the build hook to start')
    child.kill('SIGTERM')
    await waitFor(() => existsSync(join(p.base, 'failed.started')), 10_000, 'the cleanup to run the failed hook')
    child.kill('SIGINT')
    child.kill('SIGTERM')
    expect(await exited, stderr).toBe(143)
    expect(stderr.match(/still cleaning up/g)).toHaveLength(1)
    expect(p.log()).toContain('failed hook done')
    expect(p.current()).toBe(`releases/${good}`)
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.history().at(-1)).toMatchObject({ kind: 'deploy', result: 'interrupted' })
  })
})

describe('a signal while the config is loading', () => {
  it('exits with the signal\'s code, without a stack trace, and touches no host', async () => {
    const p = (project = createProject(localConfig().replace(/ {4}hosts:\n.*\n/, '') + '\ninventory: { command: "touch __BASE__/loading; sleep 2; cat __BASE__/inventory.json" }\n'))
    writeFileSync(join(p.base, 'inventory.json'), JSON.stringify({ all: { hosts: ['localhost'] }, _meta: { hostvars: { localhost: { ansible_connection: 'local' } } } }))
    const child = p.spawnBerth(['deploy', 'production'])
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await waitFor(() => existsSync(join(p.base, 'loading')), 15_000, 'the config to be loading')
    child.kill('SIGHUP')
    expect(await exited, output).toBe(129)
    expect(output).not.toMatch(/\n\s+at |internal error/)
    expect(existsSync(p.target)).toBe(false)
  })
})

describe('Ctrl-C after the switch', () => {
  it('puts the previous release back and runs the rollback hooks', async () => {
    const p = (project = createProject(config))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const good = p.live()!
    const child = p.spawnBerth(['deploy', 'production'], { HANG_VERIFY: '1' })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    const pidFile = join(p.base, 'hook.pid')
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 15_000, 'the verify hook to start')
    expect(p.current()).not.toBe(`releases/${good}`)
    child.kill('SIGINT')
    expect(await exited).toBe(130)
    expect(p.current()).toBe(`releases/${good}`)
    expect(p.record(good).state).toBe('active')
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.log()).toEqual([`rollback hook to ${good}`, 'failed hook at verify'])
  })
})

describe('a deploy killed outright (SIGKILL)', () => {
  it('cannot clean up its temporary directories: the next berth run on this machine removes them', async () => {
    const p = (project = createProject(config))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    p.commit({ 'index.html': 'v2' })
    const tmp = join(p.base, 'tmp')
    mkdirSync(tmp)
    const child = p.spawnBerth(['deploy', 'production'], { HANG: '1', TMPDIR: tmp })
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
    const pidFile = join(p.base, 'hook.pid')
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), 15_000, 'the build hook to start')
    const left = (): string[] => readdirSync(tmp).filter((name) => name.startsWith('berth-deploy-') && name.includes(`-${child.pid}-`))
    expect(left()).toHaveLength(1)
    child.kill('SIGKILL')
    await exited
    // Its hook goes with it (the hook's stdin closes when berth dies).
    const hook = Number(readFileSync(pidFile, 'utf8'))
    await waitFor(() => !isRunning(hook), 15_000, 'the build hook to end with its run')
    expect(left()).toHaveLength(1)

    const status = await p.berth(['status', 'production'], { env: { TMPDIR: tmp } })
    expect(status.code, status.stdout + status.stderr).toBe(0)
    expect(left()).toEqual([])
  })
})

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    // ESRCH: no such process.
    return false
  }
}
