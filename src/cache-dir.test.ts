import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { defaultCacheDir, defaultCacheMaxBytes } from './cache-dir.js'

describe('defaultCacheDir', () => {
  it('is BERTH_CACHE_DIR first, made absolute', () => {
    expect(defaultCacheDir({ BERTH_CACHE_DIR: '/var/cache/b', XDG_CACHE_HOME: '/x' })).toBe('/var/cache/b')
    expect(defaultCacheDir({ BERTH_CACHE_DIR: 'rel/cache' })).toBe(resolve('rel/cache'))
  })

  it('is $XDG_CACHE_HOME/berth next, when that is absolute', () => {
    expect(defaultCacheDir({ BERTH_CACHE_DIR: '', XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/berth')
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(join(homedir(), '.cache', 'berth'))
  })

  it('is ~/.cache/berth otherwise', () => {
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'berth'))
  })
})

describe('defaultCacheMaxBytes', () => {
  it('reads BERTH_CACHE_MAX as a size, 2 GiB when unset', () => {
    expect(defaultCacheMaxBytes({})).toBe(2 * 1024 ** 3)
    expect(defaultCacheMaxBytes({ BERTH_CACHE_MAX: '500M' })).toBe(500 * 1024 ** 2)
    expect(defaultCacheMaxBytes({ BERTH_CACHE_MAX: '1.5GiB' })).toBe(1.5 * 1024 ** 3)
    expect(defaultCacheMaxBytes({ BERTH_CACHE_MAX: '4096' })).toBe(4096)
    expect(defaultCacheMaxBytes({ BERTH_CACHE_MAX: '0' })).toBe(0)
  })

  it('refuses what is not a size (exit 2)', () => {
    expect(() => defaultCacheMaxBytes({ BERTH_CACHE_MAX: 'lots' })).toThrow(/BERTH_CACHE_MAX=lots/)
  })
})

describe('in the tests', () => {
  // test/helpers/isolated-home-setup.ts, a setup file of every vitest project, guards this.
  it('the cache is never the real one under the home directory', () => {
    expect(process.env.BERTH_CACHE_DIR).toBeTypeOf('string')
    expect(defaultCacheDir()).not.toBe(join(homedir(), '.cache', 'berth'))
  })
})
