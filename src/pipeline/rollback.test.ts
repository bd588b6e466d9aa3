/**
 * `rollback` on a fleet of fake hosts where one host cannot switch: what each host's disk
 * holds afterwards, the error, the locks, and the summary a person reads.
 */
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
