/**
 * The lock's heartbeat during a deploy, on fake hosts with a short interval: a host whose
 * heartbeat fails is said once (other machines will soon call its lock stale), and hosts
 * that left the run get no more heartbeats.
 */
import { afterEach, expect, it } from 'vitest'
import type { BerthEvent } from '../events.js'
import { createFleetProject, type FleetProject } from './__fixtures__/fake-fleet.js'
import { deploy } from './deploy.js'

let p: FleetProject
afterEach(() => p.cleanup())

/** Long enough for several heartbeats at HEARTBEAT_MS. */
const BUILD = ['hooks:', '  build:', "    - run: 'sleep 0.4'"]
const HEARTBEAT_MS = 25

const heartbeatWarnings = (events: BerthEvent[]) => events.filter((e) => e.kind === 'log' && e.level === 'warn' && e.message.includes('heartbeat'))

it('a failing heartbeat is said once per host, and the deploy goes on', async () => {
  p = await createFleetProject(3, BUILD)
  // A host's first `lock` command takes the lock; every later one is a heartbeat.
  p.rescript({ host: 'web2', step: 'lock', from: 2, reply: { exitCode: 1, stderr: 'Input/output error' } })

  const result = await deploy(p.config, p.options({ heartbeatMs: HEARTBEAT_MS }))

  expect(result.outcome?.ok).toBe(true)
  const beats = (host: string) => p.fleet.callsAt('lock', host).slice(1)
  expect(beats('web2').length).toBeGreaterThanOrEqual(3)
  expect(beats('web2').every((call) => call.ended === 'failed')).toBe(true)
  expect(beats('web1').length).toBeGreaterThanOrEqual(3)
  expect(beats('web1').every((call) => call.ended === 'ok')).toBe(true)
  const warned = heartbeatWarnings(p.events)
  expect(warned).toHaveLength(1)
  expect(warned[0]).toMatchObject({ host: 'web2' })
  expect((warned[0] as { message: string }).message).toContain('Input/output error')
  for (const host of p.hosts) expect(p.isLocked(host), host).toBe(false)
})

it('a host that failed a step gets no more heartbeats', async () => {
  p = await createFleetProject(3, [...BUILD, 'onFailure: continue'])
  p.rescript({ host: 'web3', step: 'build', reply: { exitCode: 1 } })

  const result = await deploy(p.config, p.options({ heartbeatMs: HEARTBEAT_MS }))

  expect(result.outcome?.ok).toBe(false)
  expect(result.outcome?.outcomes.find((o) => o.host === 'web3')?.failedStep).toBe('build')
  const failedAt = p.fleet.calls.findIndex((call) => call.host === 'web3' && call.step === 'build')
  // Heartbeats went on for web1 and web2 while they built, never again for web3.
  const beatsAfter = (index: number, host: string) =>
    p.fleet.calls.map((call, at) => ({ call, at })).filter(({ call, at }) => at > index && call.host === host && call.step === 'lock')
  expect(beatsAfter(failedAt, 'web1').length).toBeGreaterThanOrEqual(3)
  // A round already under way when web3 failed may still reach it; no later round does.
  const nextRound = beatsAfter(failedAt, 'web1')[1]!.at
  expect(beatsAfter(nextRound, 'web3')).toEqual([])
  expect(heartbeatWarnings(p.events)).toEqual([])
})
