/**
 * Checks, straight from each host's /srv on disk, that a tool did what it said: after a
 * deploy, `current` holds the app's latest version of the changed file; after a rollback,
 * `current` points somewhere else than before. A tool that exits 0 without doing the job
 * gets no time in the table.
 */
import { readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { Fleet } from '../test/helpers/fleet.js'
import type { BenchApp } from './app.js'

const onHost = (fleet: Fleet, name: string, deployTo: string): string => join(fleet.hostDir(name), deployTo.replace(/^\/srv\/?/, ''))

/** `current` on a host's disk: an absolute link (Capistrano's) means the host's own /srv. */
function currentDir(fleet: Fleet, name: string, deployTo: string): string {
  const dir = onHost(fleet, name, deployTo)
  const target = readlinkSync(join(dir, 'current'))
  return target.startsWith('/srv/') ? join(fleet.hostDir(name), target.slice('/srv/'.length)) : join(dir, target)
}

export function verifyDeployed(fleet: Fleet, names: string[], deployTo: string, app: BenchApp): string | undefined {
  const expected = readFileSync(join(app.dir, app.changedFile), 'utf8')
  const wrong = names.filter((name) => {
    try {
      return readFileSync(join(currentDir(fleet, name, deployTo), app.changedFile), 'utf8') !== expected
    } catch {
      return true
    }
  })
  return wrong.length === 0 ? undefined : `deploy reported success but ${wrong.length} host(s) do not serve the new tree (${wrong[0]})`
}

export function liveTargets(fleet: Fleet, names: string[], deployTo: string): (string | null)[] {
  return names.map((name) => {
    try {
      return readlinkSync(join(onHost(fleet, name, deployTo), 'current'))
    } catch {
      return null
    }
  })
}
