/** What the benchmark needs from each deploy tool it compares. */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Fleet } from '../test/helpers/fleet.js'
import type { BenchApp } from './app.js'
import type { Timed } from './exec.js'

export interface BenchContext {
  fleet: Fleet
  app: BenchApp
  /** A scratch directory for this tool's config and local state. */
  work: string
}

export interface BenchTool {
  name: string
  /** Where this tool deploys on every host (tools never share a directory). */
  deployTo: string
  /** Writes the tool's config for these fleet hosts (`web1`, ...). */
  configure(hosts: string[]): Promise<void>
  /** Removes what the tool left on the hosts and locally: the next deploy is cold. */
  reset(): Promise<void>
  deploy(): Promise<Timed>
  rollback(): Promise<Timed>
}

/** Removes `deployTo` on each host straight from the host's /srv on this machine's disk. */
export async function wipeHosts(fleet: Fleet, deployTo: string): Promise<void> {
  const relative = deployTo.replace(/^\/srv\/?/, '')
  await Promise.all(fleet.hosts.map((h) => rm(join(h.dir, relative), { recursive: true, force: true })))
}
