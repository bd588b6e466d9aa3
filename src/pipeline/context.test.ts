import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../config/types.js'
import { machineId } from '../identity.js'
import { createContext, resolveIdentity } from './context.js'

describe('identity', () => {
  it('is this process, with the machine id kept in the config dir', () => {
    // The test setup points BERTH_CONFIG_DIR at a temporary directory.
    expect(process.env.BERTH_CONFIG_DIR).toBeTruthy()
    const identity = resolveIdentity({})
    expect(identity).toMatchObject({ machine: hostname(), pid: process.pid })
    expect(identity.machineId).toBe(machineId())
    expect(identity.machineId).toBeTruthy()
  })

  it('takes what a caller gives, down to having no machine id at all', () => {
    expect(resolveIdentity({ user: 'deployer', machine: 'runner', machineId: 'given-id-1', pid: 7 })).toEqual({ user: 'deployer', machine: 'runner', machineId: 'given-id-1', pid: 7 })
    expect(resolveIdentity({ machineId: undefined })).not.toHaveProperty('machineId')
    const ctx = createContext({ deployTo: '/srv/app' } as unknown as ResolvedConfig, { identity: { user: 'deployer' } })
    expect(ctx.identity).toMatchObject({ user: 'deployer', machine: hostname(), machineId: machineId() })
  })
})
