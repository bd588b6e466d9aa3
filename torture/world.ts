/**
 * Everything the torture runs against: a fleet of real sshd hosts on loopback (the test
 * suite's fleet), the last of which has a small tmpfs as its deploy directory so its disk
 * can fill; a git project with the torture's app; and two deploying "machines" (two config
 * and cache dirs, so two machine ids) that can race each other.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { startFleet, type Fleet } from '../test/helpers/fleet.js'
import { isolatedDirs } from '../test/helpers/isolated-env.js'
import { createProject, type Project } from '../test/helpers/project.js'
import { APP, SENTINELS, appFiles, berthYml, type Plan } from './app.js'
import type { Random } from './random.js'

export interface Host {
  name: string
  /** The host's deploy directory on this machine's disk (its /srv/<app>). */
  dir: string
}

export interface World {
  fleet: Fleet
  project: Project
  hosts: Host[]
  /** The host whose deploy directory is a small tmpfs. */
  diskHost: Host
  /** The host whose sshd is killed during uploads (never the tmpfs one). */
  sshdHost: Host
  machines: { a: NodeJS.ProcessEnv; b: NodeJS.ProcessEnv }
  /** The machine (its environment) whose berth took the lock in `dir`, when it is one of ours. */
  lockHolder(dir: string): NodeJS.ProcessEnv | null
  /** A file's content at a commit, or null. */
  committed(revision: string, path: string): Buffer | null
  /** Every file a commit holds. */
  tracked(revision: string): string[]
  /** Commits a new revision of the app with this plan for its hooks. */
  commit(plan: Plan, blobBytes?: number): string
  close(): Promise<void>
}

// Room for the kept releases and a few failed ones (removed only after a later success):
// it fills only when a hook or the torture fills it.
const DISK_SIZE = '64m'

export async function openWorld(hostCount: number, random: Random): Promise<World> {
  const fleet = await startFleet({ hosts: hostCount })
  if (!fleet.isolated) {
    await fleet.stop()
    throw new Error('the torture needs root: each host has its own /srv in a mount namespace, and one a tmpfs')
  }
  const hosts = fleet.hosts.map((h) => ({ name: h.name, dir: join(h.dir, APP) }))
  const diskHost = hosts[hosts.length - 1]!
  const sshdHost = hosts[1]!
  mkdirSync(diskHost.dir, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE},mode=0755`, 'tmpfs', diskHost.dir])
  // The daemon's namespace copied the mounts it started with: restart it to see the tmpfs.
  await fleet.stopHost(diskHost.name)
  await fleet.startHost(diskHost.name)
  for (const host of hosts) {
    for (const [path, content] of Object.entries(SENTINELS)) {
      const file = join(host.dir, 'shared', path)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, content)
    }
  }
  const names = hosts.map((h) => h.name)
  const project = createProject(berthYml(names, fleet.sshConfigFile))
  const machine = (id: string): NodeJS.ProcessEnv => ({
    ...process.env,
    ...isolatedDirs(join(project.base, `machine-${id}`)).env,
    HOME: join(project.base, 'home'),
    NO_COLOR: '1',
  })
  let revision = 0
  const contents = new Map<string, Buffer | null>()
  const committed = (sha: string, path: string): Buffer | null => {
    const key = `${sha}:${path}`
    if (!contents.has(key)) {
      try {
        contents.set(key, execFileSync('git', ['show', key], { cwd: project.dir, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 }))
      } catch {
        contents.set(key, null)
      }
    }
    return contents.get(key) ?? null
  }
  const trees = new Map<string, string[]>()
  const tracked = (sha: string): string[] => {
    if (!trees.has(sha)) trees.set(sha, project.git('ls-tree', '-r', '--name-only', sha).split('\n').filter((line) => line !== ''))
    return trees.get(sha) ?? []
  }
  const machines = { a: machine('a'), b: machine('b') }
  const read = (file: string): string | null => {
    try {
      return readFileSync(file, 'utf8').trim()
    } catch {
      return null
    }
  }
  const lockHolder = (dir: string): NodeJS.ProcessEnv | null => {
    const info = read(join(dir, '.berth', 'lock', 'info.json'))
    if (info === null) return null
    const id = (JSON.parse(info) as { machineId?: string }).machineId
    return Object.values(machines).find((env) => read(join(env.BERTH_CONFIG_DIR!, 'machine-id')) === id) ?? null
  }
  return {
    committed,
    lockHolder,
    tracked,
    fleet,
    project,
    hosts,
    diskHost,
    sshdHost,
    machines,
    commit: (plan, blobBytes = 256 * 1024) => project.commit(appFiles(random, ++revision, plan, blobBytes), `revision ${revision}`),
    close: async () => {
      await fleet.stopHost(diskHost.name)
      try {
        execFileSync('umount', ['-l', diskHost.dir])
      } catch {
        // not mounted (a failed start)
      }
      await fleet.stop()
      project.cleanup()
    },
  }
}
