import { describe, expect, it } from 'vitest'
import { hostsCpuMs, statCpuMs } from './host-cpu.js'

describe('hosts CPU', () => {
  it('adds user, system and reaped children times, whatever the command name holds', () => {
    const stat = '4242 (sshd: a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 1 0 100 1000 200'
    expect(statCpuMs(stat)).toBe(3500)
  })

  it('finds no daemon of a fleet that does not exist', () => {
    expect(hostsCpuMs('/nonexistent/berth-fleet-x')).toBe(0)
  })
})
