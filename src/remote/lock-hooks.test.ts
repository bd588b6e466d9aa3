import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { hostileHost } from '../../test/helpers/sh.js'
import { waitFor } from '../../test/helpers/wait.js'
import { layoutFor } from '../release/layout.js'
import { takeLock } from './lock.js'
import { listLockHooks, stopLockHooks, trackedHook } from './lock-hooks.js'

const holder = { user: 'ann', machine: 'm1', pid: 1, since: 'now', token: 't-1' }
const HOOK = "migrate (it's $(touch pwned1) `touch pwned2`\nnext)"

/** Starts `script` under sh in its own process group, as a host's ssh session or berth's local transport does. */
function startInGroup(cwd: string, script: string): { pid: number; exited: Promise<number | null> } {
  const child = spawn('/bin/sh', ['-c', script], { cwd, detached: true, stdio: 'ignore' })
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  })
  return { pid: child.pid!, exited }
}

describe('hooks tracked under the lock', () => {
  it('are wrapped as strings: recorded only while the run holds the lock, the command in a subshell', () => {
    const command = trackedHook(layoutFor('/srv/shop'), 'abc', 'migrate (hooks.migrate[0])', 'cd /srv && ./migrate')
    expect(command).toContain(`if { IFS= read -r __berth_token < /srv/shop/.berth/lock/token; } 2>/dev/null && [ "$__berth_token" = abc ]; then`)
    expect(command).toContain(`__berth_hook=/srv/shop/.berth/lock/hook.$$`)
    expect(command).toContain(`'migrate (hooks.migrate[0])' > "$__berth_hook"`)
    expect(command).toContain('\n(\ncd /srv && ./migrate\n)\n__berth_status=$?\n')
    expect(command.endsWith('exit "$__berth_status"')).toBe(true)
    expect(listLockHooks(layoutFor('/srv/shop'))).toContain(`for __berth_f in /srv/shop/.berth/lock/hook.*; do`)
  })

  it('are listed while they run, stopped by TERM then KILL, and their status and exit kept (hostile path and name)', async () => {
    const { layout, run, box } = hostileHost()
    expect(run(takeLock(layout, holder)).stdout).toBe('@lock acquired\n')
    // A hook that ignores SIGTERM, as a migration finishing its transaction might.
    const stubborn = startInGroup(box.base, trackedHook(layout, 't-1', HOOK, `trap '' TERM; touch started; sleep 30`))
    await waitFor(() => existsSync(join(box.base, 'started')), 10_000, 'the hook to start')
    const listed = run(listLockHooks(layout))
    expect(listed).toMatchObject({ code: 0, stderr: '' })
    const name = HOOK.replace('\n', ' ')
    expect(listed.stdout).toBe(`@lock-hook ${stubborn.pid} ${stubborn.pid} ${name}\n`)

    const started = Date.now()
    const stopped = run(stopLockHooks(layout, 1))
    expect(stopped.stdout).toBe(`@stopped ${stubborn.pid} KILL ${name}\n`)
    expect(Date.now() - started).toBeLessThan(5_000)
    await stubborn.exited
    // Its children, orphaned by the kill, may be zombies until init reaps them: those do not count.
    expect(run(listLockHooks(layout)).stdout).toBe('')

    // One that ends on TERM is reported as stopped by it.
    const polite = startInGroup(box.base, trackedHook(layout, 't-1', 'restart', `touch polite; sleep 30`))
    await waitFor(() => existsSync(join(box.base, 'polite')), 10_000, 'the second hook to start')
    expect(run(stopLockHooks(layout, 5)).stdout).toBe(`@stopped ${polite.pid} TERM restart\n`)
    await polite.exited
    expect(box.pwned()).toEqual([])
  })

  it('keep the command exit status and empty their record when they end; record nothing without the lock', async () => {
    const { layout, run, box } = hostileHost()
    run(takeLock(layout, holder))
    expect(run(trackedHook(layout, 't-1', 'build', 'echo out; exit 7'))).toMatchObject({ code: 7, stdout: 'out\n' })
    const records = readdirSync(layout.lock).filter((name) => name.startsWith('hook.'))
    expect(records).toHaveLength(1)
    expect(readFileSync(join(layout.lock, records[0]!), 'utf8')).toBe('')
    expect(run(trackedHook(layout, 'someone-else', 'build', 'true')).code).toBe(0)
    expect(readdirSync(layout.lock).filter((name) => name.startsWith('hook.'))).toHaveLength(1)
    expect(run(stopLockHooks(layout, 1)).stdout).toBe('')
    expect(box.pwned()).toEqual([])
  })

  it('never take a group id now used by another process, nor a damaged record, for a running hook', async () => {
    const { layout, run, box } = hostileHost()
    run(takeLock(layout, holder))
    const other = startInGroup(box.base, 'touch other; sleep 30')
    await waitFor(() => existsSync(join(box.base, 'other')), 10_000, 'the process to start')
    // Recorded with another start time: the number was reused since.
    writeFileSync(join(layout.lock, `hook.${other.pid}`), `${other.pid} ${other.pid} 1 migrate\n`)
    writeFileSync(join(layout.lock, 'hook.12'), `12 x$(touch pwned3) - migrate\n`)
    writeFileSync(join(layout.lock, 'hook.13'), `\n`)
    expect(run(listLockHooks(layout))).toMatchObject({ stdout: '', stderr: '' })
    expect(run(stopLockHooks(layout, 1)).stdout).toBe('')
    // With its real start time it is that process's group, and is listed.
    const start = readFileSync(`/proc/${other.pid}/stat`, 'utf8').split(' ')[21]
    writeFileSync(join(layout.lock, `hook.${other.pid}`), `${other.pid} ${other.pid} ${start} migrate\n`)
    expect(run(listLockHooks(layout)).stdout).toBe(`@lock-hook ${other.pid} ${other.pid} migrate\n`)
    expect(box.pwned()).toEqual([])
  })
})
