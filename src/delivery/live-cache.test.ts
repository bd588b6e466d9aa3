import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { liveCacheKey, readLiveGuess, recordLiveGuess } from './live-cache.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-live-'))
  dirs.push(dir)
  return join(dir, 'live')
}
const sum = 'a'.repeat(64)

describe('live cache', () => {
  it('gives back what was recorded for the same host and deploy path only', async () => {
    const dir = tempDir()
    const web1 = { name: 'web1', host: '10.0.0.1', user: 'deploy' }
    await recordLiveGuess(liveCacheKey(web1, '/srv/shop'), { live: '20261201T080000-abcdef1', sum, gzip: true }, dir)
    expect(await readLiveGuess(liveCacheKey(web1, '/srv/shop'), dir)).toEqual({ live: '20261201T080000-abcdef1', sum, gzip: true })
    expect(await readLiveGuess(liveCacheKey(web1, '/srv/other'), dir)).toBeNull()
    expect(await readLiveGuess(liveCacheKey({ ...web1, port: 2222 }, '/srv/shop'), dir)).toBeNull()
  })

  it('treats a damaged or hostile entry as no guess', async () => {
    const dir = tempDir()
    const key = liveCacheKey({ name: 'web1', host: 'web1' }, '/srv/shop')
    await recordLiveGuess(key, { live: '20261201T080000-abcdef1', sum, gzip: false }, dir)
    for (const text of ['{', '{"live":"../../etc","sum":"' + sum + '","gzip":true}', '{"live":"20261201T080000-abcdef1","sum":"x; rm -rf ~","gzip":true}', 'null']) {
      writeFileSync(join(dir, key), text)
      expect(await readLiveGuess(key, dir)).toBeNull()
    }
  })
})
