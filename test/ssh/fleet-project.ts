/**
 * What the ssh suite shares: a berth.yml for a loopback fleet (test/helpers/fleet.ts) and
 * reads of one host's deploy directory straight from its /srv on this machine's disk, so
 * every assertion checks the hosts themselves, not what berth says about them.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { Fleet } from '../helpers/fleet.js'
import { createProject, type FileSpec, type Project } from '../helpers/project.js'

/** The usual three hosts: two web servers and a database server that is the primary. */
export const THREE_HOSTS = ['- { host: web1, roles: [web] }', '- { host: web2, roles: [web] }', '- { host: web3, roles: [db], primary: true }']

export interface FleetConfigOptions {
  /** App name; the deploy path is /srv/<app> on every host. Use one per test so tests do not share state. */
  app: string
  /** `hosts:` entries of the production environment. @default THREE_HOSTS */
  hosts?: string[]
  /** More lines for the production environment (indented by the caller's own YAML, 4 spaces). */
  environment?: string[]
  /** More top-level lines (hooks, secrets, strategy, ...). */
  extra?: string[]
  sshConfigFile?: string
  /** More `ssh:` settings, e.g. `strictHostKeyChecking: accept-new`. */
  ssh?: string
}

function fleetConfig(fleet: Fleet, options: FleetConfigOptions): string {
  return [
    `app: ${options.app}`,
    `deployTo: /srv/${options.app}`,
    'keepReleases: 5',
    `ssh: { config: ${options.sshConfigFile ?? fleet.sshConfigFile}${options.ssh === undefined ? '' : `, ${options.ssh}`} }`,
    'environments:',
    '  production:',
    '    hosts:',
    ...(options.hosts ?? THREE_HOSTS).map((line) => `      ${line}`),
    ...(options.environment ?? []).map((line) => `    ${line}`),
    ...(options.extra ?? []),
    '',
  ].join('\n')
}

export function fleetProject(fleet: Fleet, options: FleetConfigOptions, files: Record<string, FileSpec> = {}): Project {
  if (!fleet.isolated) throw new Error('the ssh suite needs mount namespaces (run as root): each host must have its own /srv')
  return createProject(fleetConfig(fleet, options), files)
}

export interface HostView {
  /** The release `current` points at, or null. */
  live(): string | null
  releases(): string[]
  /** The release's state in its manifest (`.berth/releases/<id>.json`). */
  state(release: string): string | null
  locked(): boolean
  exists(path: string): boolean
  read(path: string): string
  history(): Record<string, unknown>[]
}

/** One host's deploy directory, read from its /srv on disk. */
export function onHost(fleet: Fleet, name: string, app: string): HostView {
  const root = join(fleet.hostDir(name), app)
  const exists = (path: string): boolean => {
    try {
      lstatSync(join(root, path))
      return true
    } catch {
      return false
    }
  }
  return {
    live: () => (exists('current') ? readlinkSync(join(root, 'current')).replace(/^.*releases\//, '') : null),
    releases: () => (existsSync(join(root, 'releases')) ? readdirSync(join(root, 'releases')).sort() : []),
    state: (release) => {
      const file = join(root, '.berth', 'releases', `${release}.json`)
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { state: string }).state : null
    },
    locked: () => exists('.berth/lock'),
    exists,
    read: (path) => readFileSync(join(root, path), 'utf8'),
    history: () =>
      exists('.berth/history.jsonl')
        ? readFileSync(join(root, '.berth', 'history.jsonl'), 'utf8')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
  }
}

export const all = (output: { stdout: string; stderr: string }): string => `${output.stdout}\n${output.stderr}`
