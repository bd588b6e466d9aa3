/**
 * `berth deploy production | head -3`: the reader goes away after a few lines, and every
 * later write to stdout fails (EPIPE). The deploy must not die there, between the switch
 * and the unlock: it runs to its end, frees the lock, writes history and exits as usual.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

// The build prints lines and pauses, so the reader is gone before most of the output is written.
const config = localConfig(
  [
    'hooks:',
    '  build:',
    '    - run: echo "build starts"; sleep 1; for i in 1 2 3 4 5 6 7 8 9 10; do echo "build line $i"; done',
    '  restart:',
    '    - run: echo "restarted" >> __BASE__/hooks.log; echo "restart output"',
    '  verify:',
    '    - run: echo "verified" >> __BASE__/hooks.log; echo "verify output"',
  ].join('\n'),
)

/** Runs the CLI, closes its stdout after `lines` lines, and resolves with its exit code and stderr. */
function runWithClosingReader(p: Project, args: string[], lines: number): Promise<{ code: number | null; stderr: string; seen: string }> {
  const child = p.spawnBerth(args)
  let seen = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    seen += d.toString()
    // Like `head`: stop reading and close the pipe once enough lines came.
    if (seen.split('\n').length > lines) child.stdout.destroy()
  })
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr, seen })))
}

describe.each([
  ['plain output', ['-v']],
  ['JSON events', ['--json']],
])('a deploy whose stdout closes early (%s)', (_name, flags) => {
  it('finishes the deploy, frees the lock, writes history and exits 0', async () => {
    const p = (project = createProject(config))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const previous = p.live()!
    p.commit({ 'index.html': 'v2' })

    const result = await runWithClosingReader(p, ['deploy', 'production', ...flags], 3)
    expect(result.seen.split('\n').length).toBeLessThan(30)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /)

    const live = p.live()!
    expect(live).not.toBe(previous)
    expect(p.record(live).state).toBe('active')
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.log()).toEqual(['restarted', 'verified', 'restarted', 'verified'])
    expect(p.history().at(-1)).toMatchObject({ kind: 'deploy', result: 'success', release: live })
  })
})

describe('a failing deploy whose stdout closes early', () => {
  it('still reverts, frees the lock and exits 1', async () => {
    const p = (project = createProject(config))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const previous = p.live()!
    p.commit({ 'berth.yml': config.replace('echo "verify output"', 'echo "verify output"; exit 3') })

    const result = await runWithClosingReader(p, ['deploy', 'production', '-v'], 3)
    expect(result.code, result.stderr).toBe(1)
    expect(p.live()).toBe(previous)
    expect(p.exists('.berth/lock')).toBe(false)
    expect(p.history().at(-1)).toMatchObject({ kind: 'deploy', result: 'failed', failedStep: 'verify' })
  })
})
