import { describe, expect, it } from 'vitest'
import { InterruptedError } from '../errors.js'
import { HandshakeGate } from './handshake-gate.js'

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('handshake gate', () => {
  it('lets at most `limit` handshakes through one path, and the next in line as one ends', async () => {
    const gate = new HandshakeGate(2)
    const got: number[] = []
    const releases: (() => void)[] = []
    for (let i = 0; i < 5; i++) void gate.acquire('jump:bastion').then((release) => (got.push(i), releases.push(release)))
    await tick()
    expect(got).toEqual([0, 1])
    expect(gate.active('jump:bastion')).toBe(2)
    releases[0]!()
    releases[0]!() // freeing twice frees one slot, not two
    await tick()
    expect(got).toEqual([0, 1, 2])
    expect(gate.active('jump:bastion')).toBe(2)
    for (const release of releases.slice(1)) release()
    await tick()
    expect(got).toEqual([0, 1, 2, 3, 4])
  })

  it('never holds back direct connections, and keeps paths apart', async () => {
    const gate = new HandshakeGate(1)
    await Promise.all(Array.from({ length: 20 }, () => gate.acquire(undefined)))
    await gate.acquire('jump:a')
    let onB = false
    void gate.acquire('jump:b').then(() => (onB = true))
    await tick()
    expect(onB).toBe(true)
  })

  it('stops waiting on an abort, and the aborted one takes no slot', async () => {
    const gate = new HandshakeGate(1)
    const first = await gate.acquire('jump:a')
    const controller = new AbortController()
    const waiting = gate.acquire('jump:a', { host: 'web2', signal: controller.signal })
    let third = false
    void gate.acquire('jump:a').then(() => (third = true))
    controller.abort()
    await expect(waiting).rejects.toBeInstanceOf(InterruptedError)
    await expect(waiting).rejects.toThrow(/web2/)
    first()
    await tick()
    expect(third).toBe(true)
    expect(gate.active('jump:a')).toBe(1)
  })
})
