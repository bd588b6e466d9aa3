/**
 * A full disk on the host, before the deploy starts and during its upload: the deploy
 * fails cleanly (exit 1, the old release live, the lock freed, the partial release marked
 * failed or removed) and the next deploy, once there is room, goes through. The host's
 * deploy directory sits on a 2 MB tmpfs (mounting one needs root).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

const isRoot = process.getuid?.() === 0
let disk = ''
let p: Project

/** Fills the tmpfs to the last byte; returns the filler's path (remove it to free the space). */
function fill(): string {
  const filler = join(disk, 'filler')
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' })
  } catch {
    // dd stops with "No space left on device": that is the point.
  }
  return filler
}

describe.skipIf(!isRoot)('a full disk on the host', () => {
  beforeAll(async () => {
    p = createProject(localConfig(), {}, { target: join('disk', 'srv', 'shop') })
    mkdirSync(join(p.base, 'disk'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', join(p.base, 'disk')])
    disk = join(p.base, 'disk')
    const first = await p.berth(['deploy', 'production'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
  })
  afterAll(() => {
    if (disk !== '') execFileSync('umount', [disk])
    p?.cleanup()
  })

  async function expectCleanFailure(good: string, before: Set<string>): Promise<string> {
    const result = await p.berth(['deploy', 'production'])
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(1)
    expect(p.live()).toBe(good)
    expect(p.exists('.berth/lock')).toBe(false)
    for (const id of p.releases().filter((r) => !before.has(r))) {
      expect(p.exists(`.berth/releases/${id}.json`) ? p.record(id).state : 'removed', out).toMatch(/^(failed|removed)$/)
    }
    return out
  }

  async function expectNextDeployWorks(): Promise<void> {
    const result = await p.berth(['deploy', 'production'])
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(0)
    expect(out).not.toContain('I/O error')
    expect(p.record(p.live()!).state).toBe('active')
  }

  it('full before the lock is taken: fails cleanly, and the next deploy after freeing space succeeds', async () => {
    const good = p.live()!
    const before = new Set(p.releases())
    p.commit({ 'index.html': 'v2\n' })
    const filler = fill()
    const out = await expectCleanFailure(good, before)
    expect(out).toContain('could not write the lock (is the disk full?)')
    rmSync(filler)
    await expectNextDeployWorks()
    expect(p.read('current/index.html')).toBe('v2\n')
  })

  it('filling up during the upload: fails cleanly, and the next deploy succeeds without cleaning the host', async () => {
    const good = p.live()!
    const before = new Set(p.releases())
    // Incompressible, and bigger than the whole disk.
    p.write({ 'big.bin': '' })
    writeFileSync(join(p.dir, 'big.bin'), randomBytes(3 * 1024 * 1024))
    p.git('add', '-A')
    p.git('commit', '-q', '-m', 'big')
    const out = await expectCleanFailure(good, before)
    expect(out).toContain('No space left on device')
    // The incomplete release is gone (it is what filled the disk); its record says it failed.
    const failed = p.history().at(-1)!
    expect(failed).toMatchObject({ result: 'failed', failedStep: 'fetch' })
    expect(p.releases()).toEqual([...before])
    expect(p.record(String(failed.release)).state).toBe('failed')
    // Nothing is freed on the host by hand: the next deploy has room because of the above.
    p.git('rm', '-q', 'big.bin')
    p.commit({ 'index.html': 'v3\n' })
    await expectNextDeployWorks()
    expect(p.read('current/index.html')).toBe('v3\n')
  })

  it('filled by a build hook after the upload: the old release stays live, and the summary says so', async () => {
    const good = p.live()!
    // The hook fills the disk and succeeds: what berth writes next (the release's records,
    // the switch) meets a full disk.
    // It also removes the record of itself under the lock (`hook.<pid of its shell>`), whose
    // page would otherwise be freed as it ends and leave room for berth's small records.
    const record = join(disk, 'srv', 'shop', '.berth', 'lock', 'hook.$$')
    p.commit({ 'berth.yml': localConfig(['hooks:', '  build:', `    - run: rm -f ${record}; dd if=/dev/zero of=${join(disk, 'filler')} bs=4k 2>/dev/null || true`].join('\n')) })
    const result = await p.berth(['deploy', 'production', '--json'])
    rmSync(join(disk, 'filler'), { force: true })
    expect(result.code, result.stdout + result.stderr).toBe(1)
    expect(p.live()).toBe(good)
    expect(p.exists('.berth/lock')).toBe(false)
    const summary = result.stdout
      .split('\n')
      .filter((line) => line.includes('"kind":"run:summary"'))
      .map((line) => JSON.parse(line) as { outcomes: { live: string; switched: boolean }[] })[0]!
    expect(summary.outcomes).toMatchObject([{ live: good, switched: false }])
    p.commit({ 'berth.yml': localConfig(), 'index.html': 'v4\n' })
    await expectNextDeployWorks()
  })
})
