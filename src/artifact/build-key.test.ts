import { describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../config/types.js'
import { buildEnvironment, buildKey } from './build-key.js'

const SHA = 'a'.repeat(40)
const base = {
  app: 'shop',
  environment: 'staging',
  subdir: 'server',
  env: { NODE_ENV: 'production' },
  build: [{ run: 'npm run build', cwd: 'client', include: ['public/'] }],
} as unknown as ResolvedConfig
const key = (change: Partial<Record<string, unknown>> = {}, sha = SHA): string => buildKey({ ...base, ...change } as ResolvedConfig, sha)

describe('buildKey', () => {
  it('is the same for the same inputs, whatever the config object', () => {
    expect(key()).toBe(key({ env: { NODE_ENV: 'production' } }))
    expect(key()).toMatch(/^[0-9a-f]{64}$/)
  })

  it('changes with the commit, subdir, each step part and each value the build sees', () => {
    const keys = [
      key(),
      key({}, 'b'.repeat(40)),
      key({ subdir: undefined }),
      key({ build: [{ run: 'npm run build:prod', cwd: 'client', include: ['public/'] }] }),
      key({ build: [{ run: 'npm run build', include: ['public/'] }] }),
      key({ build: [{ run: 'npm run build', cwd: 'client', include: ['dist/'] }] }),
      key({ env: { NODE_ENV: 'development' } }),
      key({ environment: 'production' }),
      key({ app: 'other' }),
    ]
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('gives the build no release name: one build may ship under several', () => {
    expect(buildEnvironment(base, SHA)).toEqual({ NODE_ENV: 'production', BERTH_APP: 'shop', BERTH_ENV: 'staging', BERTH_REVISION: SHA })
  })
})
