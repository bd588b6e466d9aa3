/**
 * A deploy SIGKILLed while its migrate hook runs on a real sshd host. A hook that dies with
 * its channel is gone at once and the next deploy goes ahead; one that outlives it (it
 * ignores SIGTERM, as a migration finishing its transaction might) keeps the dead run's lock
 * held: the next deploy is refused, naming the hook, until it ends (`--lock-wait` waits for
 * it) or `unlock --force` stops it. Two migrations never run at the same time.
 */
import { execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { waitFor } from '../helpers/wait.js'
import { all, fleetProject, onHost, type HostView } from './fleet-project.js'

let fleet: Fleet
const projects: Project[] = []
beforeAll(async () => {
  fleet = await startFleet({ hosts: 1 })
})
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

const running = (sleeper: string): boolean => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((line) => line.trim() === sleeper)

/**
 * A project on web1 whose migrate hook logs its start and end to `migrations.log` and, while
 * the `hang` file exists, sleeps in between (ignoring SIGTERM when `stubborn`): deployed once,
 * then deployed again and SIGKILLed while that hook hangs. Returns the release live before.
 */
async function killedDuringMigrate(app: string, sleeper: string, stubborn: boolean): Promise<{ project: Project; host: HostView; good: string | null }> {
  const body = [
    `echo "start $BERTH_RELEASE" >> "$BERTH_DEPLOY_TO/migrations.log"`,
    `if [ -f "$BERTH_DEPLOY_TO/hang" ]; then ${stubborn ? "trap '' TERM; " : ''}touch "$BERTH_DEPLOY_TO/hanging"; ${sleeper}; fi`,
    `echo "end $BERTH_RELEASE" >> "$BERTH_DEPLOY_TO/migrations.log"`,
  ].join('; ')
  const project = fleetProject(fleet, { app, hosts: ['- { host: web1, roles: [db], primary: true }'], extra: ['hooks:', '  migrate:', `    - run: '${body.replaceAll("'", "''")}'`] })
  projects.push(project)
  const host = onHost(fleet, 'web1', app)
  const hang = join(fleet.hostDir('web1'), app, 'hang')
  expect((await project.berth(['deploy', 'production', '-q'])).code).toBe(0)
  const good = host.live()
  project.commit({ 'index.html': 'v2' })
  writeFileSync(hang, '')
  const child: ChildProcessWithoutNullStreams = project.spawnBerth(['deploy', 'production', '-q'])
  const exited = new Promise((resolve) => child.on('close', resolve))
  await waitFor(() => host.exists('hanging'), 30_000, 'the migrate hook to hang on the host')
  child.kill('SIGKILL')
  await exited
  rmSync(hang)
  return { project, host, good }
}

describe('hooks of a SIGKILLed deploy', () => {
  it('die with their ssh channel, and the next deploy goes ahead', async () => {
    const sleeper = `sleep 44.${process.pid % 1000}`
    const { project } = await killedDuringMigrate('orphan-channel', sleeper, false)
    await waitFor(() => !running(sleeper), 10_000, 'the hook on the host to stop with its channel')
    const next = await project.berth(['deploy', 'production'])
    expect(next.code, all(next)).toBe(0)
    expect(all(next)).toContain('broke the lock held by')
  })

  it('that outlive it keep the lock held until they end; the next deploy waits for them, never beside them', async () => {
    const sleeper = 'sleep 14'
    const { project, host, good } = await killedDuringMigrate('orphan-wait', sleeper, true)
    const orphan = host.read('migrations.log').trim().split('\n').at(-1)!

    const refused = await project.berth(['deploy', 'production'])
    expect(refused.code, all(refused)).toBe(3)
    expect(refused.stderr).toMatch(/web1 is locked by .*; its hook migrate \(hooks\.migrate\[0\]\) \(pid \d+\) still runs there/)
    expect(refused.stderr).toContain('berth unlock production --force')
    expect(host.locked()).toBe(true)
    expect(host.live()).toBe(good)
    const status = await project.berth(['status', 'production'])
    expect(status.stdout).toMatch(/hook migrate \(hooks\.migrate\[0\]\) running \(pid \d+\)/)

    const waited = await project.berth(['deploy', 'production', '--lock-wait', '60s'])
    expect(waited.code, all(waited)).toBe(0)
    // The orphan ended before the next migration started.
    const log = host.read('migrations.log').trim().split('\n')
    const at = log.indexOf(orphan)
    expect(log.slice(at)).toEqual([orphan, orphan.replace('start', 'end'), `start ${host.live()}`, `end ${host.live()}`])
  }, 120_000)

  it('that outlive it are stopped by unlock --force (SIGTERM, then SIGKILL), which says so and records it', async () => {
    const sleeper = `sleep 45.${process.pid % 1000}`
    const { project, host } = await killedDuringMigrate('orphan-force', sleeper, true)
    expect(running(sleeper)).toBe(true)

    const unlocked = await project.berth(['unlock', 'production', '--force'])
    expect(unlocked.code, all(unlocked)).toBe(0)
    expect(all(unlocked)).toMatch(/stopped hook migrate \(hooks\.migrate\[0\]\) \(pid \d+\) that the lock's holder left running \(SIGKILL\)/)
    expect(running(sleeper)).toBe(false)
    expect(host.locked()).toBe(false)
    expect(host.history().at(-1)).toMatchObject({ kind: 'unlock-forced', stoppedHooks: [{ hook: 'migrate (hooks.migrate[0])', signal: 'KILL' }] })

    const next = await project.berth(['deploy', 'production'])
    expect(next.code, all(next)).toBe(0)
  }, 120_000)
})
