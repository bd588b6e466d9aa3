import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { RemoteCommandError, TransportError } from '../errors.js'
import { FakeFleet } from './fake.js'

const base = mkdtempSync(join(tmpdir(), 'berth-fake-test-'))
const DEPLOY_TO = join(base, 'srv', 'shop')
let fleet: FakeFleet
afterEach(() => fleet.dispose())
afterAll(() => rmSync(base, { recursive: true, force: true }))

const on = (host: string) => fleet.transportFactory({ name: host })

describe('FakeFleet', () => {
  it('gives each host a disk of its own under the same deployTo', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    await on('web1').exec(`mkdir -p ${DEPLOY_TO} && echo one > ${DEPLOY_TO}/name`)
    await on('web2').exec(`mkdir -p ${DEPLOY_TO} && echo two > ${DEPLOY_TO}/name`)
    expect((await on('web1').exec(`cat ${DEPLOY_TO}/name`)).stdout).toBe('one\n')
    expect((await on('web2').exec(`cat ${DEPLOY_TO}/name`)).stdout).toBe('two\n')
    expect(fleet.exists('web1', join(DEPLOY_TO, 'name'))).toBe(true)
    expect(fleet.exists('web3', join(DEPLOY_TO, 'name'))).toBe(false)
    // Nothing lands on this machine's own copy of the path.
    expect(readdirSync(join(DEPLOY_TO, '..'))).toEqual([])
  })

  it('answers the nth call matching a host and a step, counted across the fleet; the rest run for real', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    fleet.script({ step: 'switch', nth: 2, reply: { exitCode: 0, stdout: 'scripted\n' } })
    const outputs = []
    for (const host of ['web1', 'web2', 'web3']) outputs.push((await on(host).exec('echo real', { step: 'switch' })).stdout)
    expect(outputs).toEqual(['real\n', 'scripted\n', 'real\n'])
    expect(fleet.calls.map((c) => [c.host, c.rule, c.ended])).toEqual([
      ['web1', null, 'ok'],
      ['web2', 0, 'ok'],
      ['web3', null, 'ok'],
    ])
  })

  it('`from` answers every later call, and the first rule that matches wins', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    fleet.script({ host: 'web2', step: 'lock', nth: 3, reply: { exitCode: 0, stdout: 'third\n' } }, { host: 'web2', step: 'lock', from: 2, reply: { exitCode: 0, stdout: 'later\n' } })
    const outputs = []
    for (let i = 0; i < 4; i++) outputs.push((await on('web2').exec('echo real', { step: 'lock' })).stdout)
    expect(outputs).toEqual(['real\n', 'later\n', 'third\n', 'later\n'])
    expect((await on('web1').exec('echo real', { step: 'lock' })).stdout).toBe('real\n')
  })

  it('fails a scripted call the way a failing command does, unless failure is allowed', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    fleet.script({ host: 'web1', reply: { exitCode: 3, stderr: 'first\nlast words\n' } })
    const error = await on('web1').exec('true', { step: 'build' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteCommandError)
    expect(error).toMatchObject({ host: 'web1', step: 'build', commandExitCode: 3, outputTail: ['first', 'last words'] })
    const allowed = await on('web1').exec('true', { allowFailure: true })
    expect([allowed.exitCode, allowed.stderr]).toEqual([3, 'first\nlast words\n'])
  })

  it('can run a command for real before failing it (the change happened, the answer was lost)', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    fleet.script({ step: 'switch', reply: { exitCode: 255, isRunFirst: true } })
    await expect(on('web1').exec(`mkdir -p ${DEPLOY_TO}/done`, { step: 'switch' })).rejects.toThrow('exited with code 255')
    expect(fleet.exists('web1', join(DEPLOY_TO, 'done'))).toBe(true)
  })

  it('records whether stdin was given, and lets a scripted call’s stdin flow', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    fleet.script({ step: 'fetch', reply: { exitCode: 0 } })
    const stdin = Readable.from(['a', 'b'])
    await on('web1').exec('cat >/dev/null', { step: 'fetch', stdin })
    await on('web1').exec('true', { step: 'link' })
    expect(fleet.calls.map((c) => c.hasStdin)).toEqual([true, false])
    await new Promise((resolve) => setImmediate(resolve))
    expect(stdin.readableEnded).toBe(true)
  })

  it('hangs a call until its abort signal fires or its timeout passes', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    fleet.script({ step: 'build', reply: { hang: true } })
    const controller = new AbortController()
    const hanging = on('web1').exec('true', { step: 'build', signal: controller.signal }).catch((e: unknown) => e)
    await fleet.reached({ step: 'build' })
    expect(fleet.calls[0]!.ended).toBeUndefined()
    controller.abort()
    expect(await hanging).toMatchObject({ signal: 'interrupt' })
    await expect(on('web2').exec('true', { step: 'build', timeoutMs: 20 })).rejects.toMatchObject({ timedOut: true })
    expect(fleet.calls.map((c) => c.ended)).toEqual(['interrupted', 'timed out'])
  })

  it('matches a connection only with rules that name the `connect` step', async () => {
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    fleet.script({ host: 'web1', reply: { exitCode: 1 } }, { host: 'web2', step: 'connect', reply: { unreachable: 'Connection refused' } })
    await on('web1').connect?.()
    const error = await on('web2').connect?.().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ host: 'web2', message: 'cannot connect to web2: Connection refused' })
    expect(fleet.calls.map((c) => [c.host, c.step, c.ended])).toEqual([
      ['web1', 'connect', 'ok'],
      ['web2', 'connect', 'failed'],
    ])
  })

  it('refuses a deployTo whose parent would hide its own temp directory', () => {
    expect(() => new FakeFleet({ deployTo: join(tmpdir(), 'shop') })).toThrow('needs a parent of its own')
    fleet = new FakeFleet({ deployTo: DEPLOY_TO })
    expect(existsSync(join(DEPLOY_TO, '..'))).toBe(true)
  })
})
