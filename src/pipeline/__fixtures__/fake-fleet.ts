/**
 * A fleet of fake hosts for the deploy core's unit tests: a real git repository with a
 * berth.yml naming `web1`…`webN`, its resolved config, and a `FakeFleet` that gives each
 * host its own disk. Deploys run on a fixed clock, one minute apart, so release names are
 * known in advance and never collide.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, resolveEnvironment } from '../../config/index.js'
import type { ResolvedConfig } from '../../config/types.js'
import type { BerthEvent } from '../../events.js'
import { FakeFleet, type FakeRule } from '../../transport/fake.js'

export interface FleetProject {
  config: ResolvedConfig
  fleet: FakeFleet
  hosts: string[]
  events: BerthEvent[]
  /** Options for `deploy`/`rollback`: the fleet's transports, a recording reporter, the next minute. */
  options(extra?: object): { transportFactory: FakeFleet['transportFactory']; reporter: (event: BerthEvent) => void; now: () => Date }
  /** The release `current` points at on a host, read from its disk. */
  live(host: string): string | null
  /** Whether the deploy lock directory exists on a host. */
  isLocked(host: string): boolean
  /** The release directories on a host, sorted. */
  releases(host: string): string[]
  /** A file under deployTo on a host. */
  read(host: string, path: string): string
  /** Starts a new script, call list and event list (for the run under test, after set-up runs). */
  rescript(...rules: FakeRule[]): void
  cleanup(): void
}

const START = Date.UTC(2030, 0, 1, 12, 0, 0)

export async function createFleetProject(count: number, extraYaml: string[] = []): Promise<FleetProject> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'berth-fleet-project-')))
  const repo = join(base, 'repo')
  const deployTo = join(base, 'srv', 'shop')
  const hosts = Array.from({ length: count }, (_, i) => `web${i + 1}`)
  execFileSync('git', ['init', '-q', '-b', 'main', repo])
  const yaml = ['app: shop', `deployTo: ${deployTo}`, 'keepReleases: 3', 'environments:', '  production:', `    hosts: [${hosts.join(', ')}]`, ...extraYaml]
  writeFileSync(join(repo, 'berth.yml'), `${yaml.join('\n')}\n`)
  writeFileSync(join(repo, 'index.html'), '<h1>v1</h1>\n')
  const git = (...args: string[]): void => void execFileSync('git', ['-C', repo, '-c', 'user.name=Test', '-c', 'user.email=t@example.com', ...args])
  git('add', '-A')
  git('commit', '-q', '-m', 'initial')
  const config = resolveEnvironment(await loadConfig({ cwd: repo }), 'production')

  let clock = START
  const project: FleetProject = {
    config,
    fleet: new FakeFleet({ deployTo }),
    hosts,
    events: [],
    options: (extra = {}) => {
      const at = new Date((clock += 60_000))
      return { transportFactory: project.fleet.transportFactory, reporter: (event) => project.events.push(event), now: () => at, ...extra }
    },
    live: (host) => project.fleet.live(host),
    isLocked: (host) => project.fleet.exists(host, join(deployTo, '.berth', 'lock')),
    releases: (host) => {
      const dir = project.fleet.pathOn(host, join(deployTo, 'releases'))
      return existsSync(dir) ? readdirSync(dir).sort() : []
    },
    read: (host, path) => readFileSync(project.fleet.pathOn(host, join(deployTo, path)), 'utf8'),
    rescript: (...rules) => {
      project.fleet.restart(...rules)
      project.events.length = 0
    },
    cleanup: () => {
      project.fleet.dispose()
      rmSync(base, { recursive: true, force: true })
    },
  }
  return project
}
