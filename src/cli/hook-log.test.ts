import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRedactor, noRedaction } from '../ui/redact.js'
import { createHookLog } from './hook-log.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function projectDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-hook-log-'))
  dirs.push(dir)
  return dir
}

describe('createHookLog', () => {
  it('keeps every line of every hook in .berth/log/<release>.log, 0600, secrets masked', () => {
    const dir = projectDir()
    const log = createHookLog(dir, createRedactor(['hunter2-secret']), () => new Date(0))
    log.record({ kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1'], release: 'R1' })
    expect(log.path()).toBeUndefined()
    log.record({ kind: 'hook:start', host: 'web1', hook: 'migrate', command: 'rake db:migrate', local: false })
    for (let i = 0; i < 50; i++) log.record({ kind: 'output', host: 'web1', stream: 'stdout', line: `line ${i}` })
    log.record({ kind: 'output', host: 'web1', stream: 'stderr', line: 'token hunter2-secret' })
    log.record({ kind: 'hook:done', host: 'web1', hook: 'migrate', durationMs: 12 })
    log.close()
    const file = join(dir, '.berth', 'log', 'R1.log')
    expect(log.path()).toBe(file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('1970-01-01T00:00:00.000Z web1 hook migrate: rake db:migrate')
    expect(lines).toContain('web1 | line 0')
    expect(lines).toContain('web1 | line 49')
    expect(lines).toContain('web1 ! token ••••••')
    expect(lines.at(-1)).toBe('1970-01-01T00:00:00.000Z web1 hook migrate done in 12ms')
    // berth's own directory stays out of git status.
    expect(readFileSync(join(dir, '.berth', '.gitignore'), 'utf8')).toBe('*\n')
  })

  it('gives each deploy of one process its own file (berth ui runs several)', () => {
    const dir = projectDir()
    const log = createHookLog(dir, noRedaction, () => new Date(0))
    for (const release of ['R1', 'R2']) {
      log.record({ kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1'], release })
      log.record({ kind: 'output', host: 'web1', stream: 'stdout', line: `in ${release}` })
    }
    log.record({ kind: 'run:start', command: 'rollback', environment: 'production', hosts: ['web1'] })
    log.record({ kind: 'output', host: 'web1', stream: 'stdout', line: 'in the rollback' })
    log.close()
    expect(readFileSync(join(dir, '.berth', 'log', 'R1.log'), 'utf8')).toBe('web1 | in R1\n')
    expect(readFileSync(join(dir, '.berth', 'log', 'R2.log'), 'utf8')).toBe('web1 | in R2\n')
  })

  it('writes nothing for a run without a release or without hooks', () => {
    const dir = projectDir()
    const log = createHookLog(dir, noRedaction)
    log.record({ kind: 'output', host: 'web1', stream: 'stdout', line: 'no release named yet' })
    log.record({ kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1'], release: 'R1' })
    log.record({ kind: 'host:step', host: 'web1', step: 'lock', status: 'failed' })
    log.close()
    expect(log.path()).toBeUndefined()
    expect(() => statSync(join(dir, '.berth'))).toThrow()
  })
})
