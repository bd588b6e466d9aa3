/**
 * A deploy SIGKILLed while hooks run on this machine (a `transport: local` host's hook and a
 * `local: true` hook): nothing can clean up after a SIGKILL, so each hook is stopped by the
 * watchdog on its stdin, and the next deploy breaks the dead run's lock and goes ahead.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'
import { waitFor } from '../helpers/wait.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const running = (sleeper: string): boolean => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((line) => line.trim() === sleeper)

describe('hooks on this machine of a SIGKILLed deploy', () => {
  it.each([
    ['on a local host', 'migrate', ''],
    ['local: true', 'build', '      local: true'],
  ])('stop with it (%s)', async (_, hook, extra) => {
    const sleeper = `sleep 47.${(process.pid % 1000) + hook.length}`
    const p = (project = createProject(
      localConfig(['hooks:', `  ${hook}:`, `    - run: if [ -n "$HANG" ]; then touch __BASE__/hanging; ${sleeper}; fi`, extra].join('\n')),
    ))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    p.commit({ 'index.html': 'v2' })
    const child = p.spawnBerth(['deploy', 'production', '-q'], { HANG: '1' })
    const exited = new Promise((resolve) => child.on('close', resolve))
    await waitFor(() => existsSync(join(p.base, 'hanging')), 15_000, 'the hook to start')
    // The hook's `sleep` starts just after it touched the file: on a busy machine, a moment later.
    await waitFor(() => running(sleeper), 10_000, 'the hook\'s sleep to start')
    child.kill('SIGKILL')
    await exited
    await waitFor(() => !running(sleeper), 10_000, 'the hook to stop with berth')

    const next = await p.berth(['deploy', 'production'])
    expect(next.code, `${next.stdout}\n${next.stderr}`).toBe(0)
    expect(next.stderr + next.stdout).toContain('broke the lock held by')
  })
})
