/**
 * What a web server sees: many times a second, each host's `current` is followed and a file
 * read through it, and the release it names must be one berth finished preparing. Runs the
 * whole time, across every run and every kind of damage, from the first deploy on.
 */
import { readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { readRecord } from './host-view.js'

export interface ReaderReport {
  samples: number
  /** Reads that found `current` missing, dangling, or naming a release still preparing. */
  broken: number
  /** The first few, with host and time, for the report. */
  examples: string[]
}

const EVERY_MS = 20

export function startReader(hosts: readonly { name: string; dir: string }[]): { stop(): ReaderReport } {
  const report: ReaderReport = { samples: 0, broken: 0, examples: [] }
  const fail = (host: string, why: string): void => {
    report.broken++
    if (report.examples.length < 10) report.examples.push(`${new Date().toISOString()} ${host}: ${why}`)
  }
  const sample = (host: { name: string; dir: string }): void => {
    report.samples++
    let revision: string
    try {
      revision = readFileSync(join(host.dir, 'current', 'REVISION'), 'utf8').trim()
    } catch (error) {
      fail(host.name, `reading current/REVISION: ${(error as NodeJS.ErrnoException).code}`)
      return
    }
    if (!/^[0-9a-f]{40}$/.test(revision)) return fail(host.name, `current/REVISION holds "${revision.slice(0, 60)}"`)
    let link = ''
    try {
      link = readlinkSync(join(host.dir, 'current'))
    } catch {
      return fail(host.name, 'current vanished between two reads')
    }
    const id = link.replace(/^releases\//, '')
    const record = readRecord(host.dir, id)
    if (record === null) fail(host.name, `current -> ${link}, which has no readable record`)
    else if (record.state === 'preparing') fail(host.name, `current -> ${link}, recorded as preparing`)
  }
  const timer = setInterval(() => {
    for (const host of hosts) sample(host)
  }, EVERY_MS)
  return {
    stop: () => {
      clearInterval(timer)
      return report
    },
  }
}
