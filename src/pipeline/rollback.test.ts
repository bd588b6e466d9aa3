/**
 * `rollback` on a fleet of fake hosts: one host that cannot switch, the restart and verify
 * that follow the switch, a fleet left on different releases. What each host's disk holds
 * afterwards, the error, the locks, and the summary a person reads.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { HostsFailedError, type BerthError } from '../errors.js'
import type { BerthEvent } from '../events.js'
import { createFleetProject, type FleetProject } from './__fixtures__/fake-fleet.js'
import { deploy } from './deploy.js'
import { rollback } from './rollback.js'

let p: FleetProject
afterEach(() => p.cleanup())

it('one host fails to switch: the others are on the older release, the failure names it, every lock is freed', async () => {
  p = await createFleetProject(3)
  const older = (await deploy(p.config, p.options())).outcome!.release
  const newer = (await deploy(p.config, p.options())).outcome!.release
  p.rescript({ host: 'web2', step: 'switch', reply: { exitCode: 1, stderr: 'Permission denied' } })

  const error = await rollback(p.config, p.options()).then(
    () => expect.fail('the rollback should have failed'),
    (caught: BerthError) => caught,
  )

  expect(error).toBeInstanceOf(HostsFailedError)
  expect([error.code, error.exitCode, error.step]).toEqual(['HOSTS_FAILED', 1, 'switch'])
  expect((error as HostsFailedError).errors.map((e) => e.host)).toEqual(['web2'])
  expect(p.hosts.map((host) => p.live(host))).toEqual([older, newer, older])
  expect(JSON.parse(p.read('web1', `.berth/releases/${newer}.json`)).state).toBe('rolled-back')
  expect(JSON.parse(p.read('web2', `.berth/releases/${newer}.json`)).state).toBe('active')
  for (const host of p.hosts) expect(p.isLocked(host), host).toBe(false)
  // web2's lock is freed by a command of its own; the others' rode with their switch.
  expect(p.fleet.callsAt('unlock').map((c) => c.host)).toEqual(['web2'])

  const summary = p.events.find((e): e is Extract<BerthEvent, { kind: 'run:summary' }> => e.kind === 'run:summary')!
  expect(summary.ok).toBe(false)
  expect(summary.outcomes.map((o) => [o.host, o.live, o.switched, o.failedStep])).toEqual([
    ['web1', older, true, undefined],
    ['web2', newer, false, 'switch'],
    ['web3', older, true, undefined],
  ])
  expect(summary.destructive).toBe(`rollback stopped: web1, web3 switched to ${older}; check the hosts above`)
  const history = p.read('web2', '.berth/history.jsonl').trim().split('\n').map((line) => JSON.parse(line))
  expect(history.at(-1)).toMatchObject({ kind: 'rollback', result: 'failed' })
})

const summaryOf = (events: BerthEvent[]) => events.find((e): e is Extract<BerthEvent, { kind: 'run:summary' }> => e.kind === 'run:summary')!

/** restart and verify hooks that log where they ran, on each host's own disk. */
const RESTART_HOOKS = [
  'hooks:',
  '  restart:',
  `    - run: 'echo "restart $BERTH_RELEASE $(pwd)" >> "$BERTH_DEPLOY_TO/../hooks.log"'`,
  '  verify:',
  `    - run: 'echo "verify $BERTH_RELEASE" >> "$BERTH_DEPLOY_TO/../hooks.log"'`,
]
const hookLog = (host: string): string[] => {
  try {
    return readFileSync(p.fleet.pathOn(host, join(dirname(p.config.deployTo), 'hooks.log')), 'utf8').trim().split('\n')
  } catch {
    return []
  }
}

it('restarts, then verifies, the release live again; a host whose verify fails is a failed host, and only that one', async () => {
  p = await createFleetProject(3, RESTART_HOOKS)
  const older = (await deploy(p.config, p.options())).outcome!.release
  await deploy(p.config, p.options())
  p.rescript({ host: 'web2', step: 'verify', reply: { exitCode: 1, stderr: 'HTTP 502' } })
  const logged = p.hosts.map((host) => hookLog(host).length)

  const error = await rollback(p.config, p.options()).then(
    () => expect.fail('the rollback should have failed'),
    (caught: BerthError) => caught,
  )

  expect(error).toBeInstanceOf(HostsFailedError)
  expect([error.step, (error as HostsFailedError).errors.map((e) => e.host)]).toEqual(['verify', ['web2']])
  for (const [i, host] of p.hosts.entries()) {
    expect(p.live(host), host).toBe(older)
    expect(p.isLocked(host), host).toBe(false)
    expect(hookLog(host).slice(logged[i]).at(0), host).toBe(`restart ${older} ${p.config.deployTo}/releases/${older}`)
  }
  // The restart came first everywhere, then the verify (scripted to fail on web2).
  expect(p.fleet.callsAt('restart').map((c) => c.host).sort()).toEqual(p.hosts)
  expect(p.fleet.callsAt('verify').map((c) => c.host).sort()).toEqual(p.hosts)
  expect(hookLog('web1').slice(logged[0])).toEqual([`restart ${older} ${p.config.deployTo}/releases/${older}`, `verify ${older}`])
  const summary = summaryOf(p.events)
  expect(summary.outcomes.map((o) => [o.host, o.live, o.switched, o.failedStep])).toEqual([
    ['web1', older, true, undefined],
    ['web2', older, true, 'verify'],
    ['web3', older, true, undefined],
  ])
  expect(JSON.parse(p.read('web2', '.berth/history.jsonl').trim().split('\n').at(-1)!)).toMatchObject({ kind: 'rollback', result: 'failed' })
  expect(JSON.parse(p.read('web1', '.berth/history.jsonl').trim().split('\n').at(-1)!)).toMatchObject({ kind: 'rollback', result: 'failed' })
})

it('after a deploy that went live on some hosts only, brings them back to the release the fleet shared; the others are left alone', async () => {
  p = await createFleetProject(3, ['onFailure: continue', ...RESTART_HOOKS])
  await deploy(p.config, p.options())
  const shared = (await deploy(p.config, p.options())).outcome!.release
  p.rescript({ host: 'web2', step: 'switch', reply: { exitCode: 1, stderr: 'Permission denied' } })
  const split = await deploy(p.config, p.options()).then(
    (result) => result.outcome!,
    (caught: BerthError) => expect.fail(caught.message),
  )
  expect(p.hosts.map((host) => p.live(host))).toEqual([split.release, shared, split.release])
  p.rescript()
  const logged = hookLog('web2').length

  const result = await rollback(p.config, p.options())

  expect(result.release).toBe(shared)
  expect(p.hosts.map((host) => p.live(host))).toEqual([shared, shared, shared])
  const switched = p.events.flatMap((e) => (e.kind === 'release:switched' ? [[e.host, e.from, e.to]] : []))
  expect(switched).toEqual(expect.arrayContaining([
    ['web1', split.release, shared],
    ['web3', split.release, shared],
  ]))
  expect(switched).toHaveLength(2)
  // web2 was already there: not switched, not restarted, its record untouched.
  expect(hookLog('web2').length).toBe(logged)
  expect(p.fleet.callsAt('restart').map((c) => c.host).sort()).toEqual(['web1', 'web3'])
  expect(JSON.parse(p.read('web2', `.berth/releases/${shared}.json`)).state).toBe('active')
  expect(JSON.parse(p.read('web1', `.berth/releases/${split.release}.json`)).state).toBe('rolled-back')
  expect(summaryOf(p.events).outcomes.map((o) => [o.host, o.live, o.switched])).toEqual([
    ['web1', shared, true],
    ['web2', shared, false],
    ['web3', shared, true],
  ])
  for (const host of p.hosts) expect(p.isLocked(host), host).toBe(false)
})
