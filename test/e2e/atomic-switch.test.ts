/**
 * The switch is atomic: a separate process reads through `current/` as fast as it can
 * while 20 deploys (and a few rollbacks) run, and must never find it missing or pointing
 * at an incomplete release. The deploys go through the library API with an injected clock
 * (one second per deploy) so the test does not wait for real seconds to pass.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig, resolveEnvironment } from '../../src/config/index.js'
import { deploy } from '../../src/pipeline/deploy.js'
import { rollback } from '../../src/pipeline/rollback.js'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

/** Reads current/ in a tight loop until `stop` exists; prints what it saw as JSON. */
const READER = `
const fs = require('node:fs')
const [current, stop] = process.argv.slice(1)
let reads = 0, problems = []
const versions = new Set()
while (!fs.existsSync(stop)) {
  for (let i = 0; i < 50; i++) {
    reads++
    try {
      // Through the link, as a web server would read it...
      const page = fs.readFileSync(current + '/index.html', 'utf8')
      if (!/^v\\d+$/.test(page)) problems.push('bad page: ' + JSON.stringify(page))
      // ...and one release as a whole (each open resolves the link anew, so pin it first).
      const dir = fs.realpathSync(current)
      const first = fs.readFileSync(dir + '/index.html', 'utf8')
      const revision = fs.readFileSync(dir + '/REVISION', 'utf8')
      const last = fs.readFileSync(dir + '/zz/last.txt', 'utf8')
      if (!/^[0-9a-f]{40}\\n$/.test(revision) || last !== first) problems.push('incomplete: ' + JSON.stringify([dir, first, revision, last]))
      else versions.add(first)
    } catch (error) {
      problems.push(error.code + ' ' + error.path)
    }
  }
}
process.stdout.write(JSON.stringify({ reads, problems: problems.slice(0, 10), problemCount: problems.length, versions: [...versions] }))
`

describe('the switch', () => {
  it('never leaves current missing or incomplete while 20 deploys and rollbacks run', async () => {
    // Enough files that unpacking a release takes a while; last.txt is the last one written.
    const bulk = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`assets/file${i}.txt`, `${'x'.repeat(2000)}${i}\n`]))
    const p = (project = createProject(localConfig(), { ...bulk, 'index.html': 'v0', 'zz/last.txt': 'v0' }))
    const config = resolveEnvironment(await loadConfig({ cwd: p.dir }), 'production', { processEnv: process.env })
    let clock = Date.UTC(2030, 5, 1, 0, 0, 0)
    // The clock, and the project's own cache rather than the real ~/.cache/berth.
    const options = { now: (): Date => new Date(clock), cacheDir: p.cacheDir }
    expect((await deploy(config, options)).outcome?.ok).toBe(true)

    const stop = join(p.base, 'stop-reader')
    const reader = spawn(process.execPath, ['-e', READER, join(p.target, 'current'), stop], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    reader.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const done = new Promise<void>((resolve) => reader.on('close', () => resolve()))

    for (let n = 1; n <= 20; n++) {
      clock += 1000
      p.commit({ 'index.html': `v${n}`, 'zz/last.txt': `v${n}` })
      const result = await deploy(config, options)
      expect(result.outcome?.ok, `deploy ${n}`).toBe(true)
      if (n % 5 === 0) {
        clock += 1000
        await rollback(config, options)
      }
    }
    writeFileSync(stop, '')
    await done
    const seen = JSON.parse(out) as { reads: number; problems: string[]; problemCount: number; versions: string[] }
    expect(seen.problems).toEqual([])
    expect(seen.problemCount).toBe(0)
    expect(seen.reads).toBeGreaterThan(1000)
    // The reader really saw the releases change under it.
    expect(seen.versions.length).toBeGreaterThan(5)
    // The last deploy (v20) was rolled back like every fifth one.
    expect(p.read('current/index.html')).toBe('v19')
  })
})
