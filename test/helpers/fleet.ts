/**
 * A fleet of real OpenSSH servers on loopback for the ssh tests: host i listens on
 * 127.0.0.(10+i), all on one port, each (as root) in its own mount namespace where its
 * own directory is /srv, so every host has the same deploy path on a different disk.
 * Keys, known_hosts and an ssh_config with one `Host webN` block per host are generated
 * per fleet. See docs in /work/shared/notes/test-fleet.md for the measured facts this
 * relies on (stock dotfiles, setsid, MaxStartups).
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { buildClientConfig, buildKnownHostsLine, buildSshdConfig, type ClientHostBlock } from './sshd-config.js'
import { SSHD, canIsolate, findFreePort, isAlive, startDaemon, stopDaemon } from './sshd-process.js'

const run = promisify(execFile)

interface FleetHost {
  /** The `Host` alias in the fleet's ssh_config: `web1`, `web2`, ..., `bastion`, `behind`. */
  name: string
  address: string
  port: number
  /** The host's /srv on this machine's disk. */
  dir: string
  /** sshd's log: one "Accepted publickey" line per authenticated connection. */
  logFile: string
}

export interface Fleet {
  hosts: FleetHost[]
  /**
   * With `bastion: true`: the jump host (sshd's default MaxStartups), and a host whose
   * ssh_config block says `ProxyJump bastion`; with `behindBastion`, every web host's does.
   */
  bastion?: FleetHost
  behind?: FleetHost
  port: number
  user: string
  sshConfigFile: string
  knownHostsFile: string
  clientKey: string
  /** False when mount namespaces are unavailable (not root): every host then shares the real /srv. */
  isolated: boolean
  /** Temp directory holding everything the fleet wrote. */
  root: string
  hostDir(name: string): string
  /** The host's home (its /root, or the real home when not isolated), e.g. for a relay's own key. */
  homeDir(name: string): string
  /** Stops a host's sshd; by default also kills its open sessions, like a host going down. */
  stopHost(name: string, options?: { keepSessions?: boolean }): Promise<void>
  startHost(name: string): Promise<void>
  /** Number of authenticated connections the host has accepted so far. */
  countLogins(name: string): Promise<number>
  /** The public key a host got with `hostKeys` (its home's `~/.ssh/id_ed25519.pub`). */
  homeKey(name: string): string
  /** Writes another ssh_config for the same hosts, e.g. with an empty known_hosts or another key. */
  writeSshConfig(options: { file: string; knownHostsFile?: string; identityFile?: string }): Promise<string>
  /** Kills only this fleet's daemons and removes its files. */
  stop(): Promise<void>
}

interface HostState extends FleetHost {
  configFile: string
  home: string
  pid?: number
}

// Outside 127.0.0.11–110, where up to 100 web hosts listen.
const BASTION_ADDRESS = '127.0.1.50'
const BEHIND_ADDRESS = '127.0.1.51'

export interface FleetOptions {
  hosts: number
  bastion?: boolean
  /** Every web host reached only through the bastion (implies `bastion`). */
  behindBastion?: boolean
  /** Where the fleet's temp directory is made, e.g. a tmpfs the caller mounted. @default os.tmpdir() */
  baseDir?: string
  /**
   * Hosts whose home gets a key of their own (`~/.ssh/id_ed25519`) that every host of the
   * fleet accepts: a relay logging in to the others with its own key.
   */
  hostKeys?: string[]
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: apt-get install openssh-server`)
  const isolated = canIsolate()
  const user = userInfo().username
  const root = await mkdtemp(join(options.baseDir ?? tmpdir(), 'berth-fleet-'))
  const specs = Array.from({ length: options.hosts }, (_, i) => ({ name: `web${i + 1}`, address: `127.0.0.${11 + i}` }))
  const withBastion = options.bastion === true || options.behindBastion === true
  if (withBastion) specs.push({ name: 'bastion', address: BASTION_ADDRESS }, { name: 'behind', address: BEHIND_ADDRESS })
  const port = await findFreePort(specs.map((spec) => spec.address))
  const clientKey = join(root, 'client_ed25519')
  const knownHostsFile = join(root, 'known_hosts')
  const sshConfigFile = join(root, 'ssh_config')
  if (isolated) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })

  const [, ...hosts] = await Promise.all([
    generateKey(clientKey),
    ...specs.map((spec) => prepareHost(root, spec.name, spec.address, port)),
  ])
  const ownKeys = hosts.filter((h) => options.hostKeys?.includes(h.name) === true).map((h) => join(h.home, '.ssh', 'id_ed25519'))
  await Promise.all(ownKeys.map(generateKey))
  const authorized = await Promise.all([clientKey, ...ownKeys].map((key) => readFile(`${key}.pub`, 'utf8')))
  await writeFile(join(root, 'authorized_keys'), authorized.join(''))
  const knownLines = await Promise.all(hosts.map(async (h) => buildKnownHostsLine(h.address, port, await readFile(hostKeyFile(h, '.pub'), 'utf8'))))
  await writeFile(knownHostsFile, `${knownLines.join('\n')}\n`)
  const blocks: ClientHostBlock[] = hosts.map((h) => ({
    name: h.name,
    address: h.address,
    port,
    user,
    ...(h.name === 'behind' || (options.behindBastion === true && h.name.startsWith('web')) ? { proxyJump: 'bastion' } : {}),
  }))
  const writeSshConfig: Fleet['writeSshConfig'] = async (o) => {
    const text = buildClientConfig({ hosts: blocks, identityFile: o.identityFile ?? clientKey, knownHostsFile: o.knownHostsFile ?? knownHostsFile })
    await writeFile(o.file, text)
    return o.file
  }
  await writeSshConfig({ file: sshConfigFile })

  const byName = new Map(hosts.map((h) => [h.name, h]))
  const find = (name: string): HostState => {
    const host = byName.get(name)
    if (host === undefined) throw new Error(`no fleet host named ${name}`)
    return host
  }
  const startHost = async (name: string): Promise<void> => {
    const host = find(name)
    if (host.pid !== undefined && isAlive(host.pid)) return
    host.pid = await startDaemon({ configFile: host.configFile, logFile: host.logFile, ...(isolated ? { mounts: { srv: host.dir, home: host.home } } : {}) })
  }
  const stopHost = async (name: string, o: { keepSessions?: boolean } = {}): Promise<void> => {
    const host = find(name)
    if (host.pid !== undefined) await stopDaemon(host.pid, { sessions: o.keepSessions !== true })
    host.pid = undefined
  }
  const stop = async (): Promise<void> => {
    await Promise.all(hosts.map((h) => stopHost(h.name)))
    await rm(root, { recursive: true, force: true })
  }
  try {
    await Promise.all(hosts.map((h) => startHost(h.name)))
  } catch (error) {
    await stop()
    throw error
  }
  const publicHost = ({ name, address, dir, logFile }: HostState): FleetHost => ({ name, address, port, dir, logFile })
  const webHosts = hosts.filter((h) => h.name.startsWith('web'))
  return {
    hosts: webHosts.map(publicHost),
    ...(withBastion ? { bastion: publicHost(find('bastion')), behind: publicHost(find('behind')) } : {}),
    port,
    user,
    sshConfigFile,
    knownHostsFile,
    clientKey,
    isolated,
    root,
    hostDir: (name) => find(name).dir,
    homeDir: (name) => (isolated ? find(name).home : userInfo().homedir),
    stopHost,
    startHost,
    countLogins: async (name) => (await readFile(find(name).logFile, 'utf8')).split('Accepted publickey').length - 1,
    homeKey: (name) => join(find(name).home, '.ssh', 'id_ed25519.pub'),
    writeSshConfig,
    stop,
  }
}

/** A host's files: its /srv, a home with stock dotfiles, its host key and sshd_config. */
async function prepareHost(root: string, name: string, address: string, port: number): Promise<HostState> {
  const base = join(root, 'hosts', name)
  const host: HostState = {
    name,
    address,
    port,
    dir: join(base, 'srv'),
    home: join(base, 'home'),
    logFile: join(base, 'sshd.log'),
    configFile: join(base, 'sshd_config'),
  }
  await Promise.all([mkdir(host.dir, { recursive: true }), mkdir(join(host.home, '.ssh'), { recursive: true, mode: 0o700 })])
  // Debian's bash sources ~/.bashrc for every ssh command: the machine's own /root/.bashrc
  // costs ~0.2 s per command, the stock one nothing.
  await Promise.all([
    copyStock('/usr/share/base-files/dot.bashrc', join(host.home, '.bashrc')),
    copyStock('/usr/share/base-files/dot.profile', join(host.home, '.profile')),
    generateKey(hostKeyFile(host)),
  ])
  await writeFile(
    host.configFile,
    buildSshdConfig({ address, port, hostKeyFile: hostKeyFile(host), authorizedKeysFile: join(root, 'authorized_keys') }),
  )
  return host
}

function hostKeyFile(host: { configFile: string }, suffix = ''): string {
  return `${host.configFile.replace(/sshd_config$/, 'ssh_host_ed25519_key')}${suffix}`
}

async function copyStock(from: string, to: string): Promise<void> {
  if (existsSync(from)) await copyFile(from, to)
  else await writeFile(to, '')
}

async function generateKey(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-test-fleet', '-f', file])
}
