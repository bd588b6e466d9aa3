/**
 * Picks the transport for each host of a run: `local` for `transport: local`, OpenSSH
 * otherwise. One transport (one master connection) per host per run; the run's ssh
 * control sockets live in one private directory removed when the run closes them.
 */
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { LocalTransport } from './local.js'
import { SshTransport, createHandshakes, type Handshakes } from './ssh.js'
import type { Transport } from './types.js'
import { makeRunDir } from '../run-dirs.js'

export type TransportFactory = (host: HostConfig, config: ResolvedConfig, controlDir: () => string, handshakes: () => Handshakes) => Transport

const defaultTransportFactory: TransportFactory = (host, config, controlDir, handshakes) => {
  if (host.transport === 'local') return new LocalTransport(host.name)
  return new SshTransport({
    name: host.name,
    host: host.host,
    ...(host.user === undefined ? {} : { user: host.user }),
    ...(host.port === undefined ? {} : { port: host.port }),
    ...(config.ssh.config === undefined ? {} : { sshConfigFile: config.ssh.config }),
    strictHostKeyChecking: config.ssh.strictHostKeyChecking,
    connectTimeoutMs: config.ssh.connectTimeoutMs,
    forwardAgent: config.ssh.forwardAgent || relayGetsAgent(config, host),
    controlDir: controlDir(),
    handshakes: handshakes(),
  })
}

/**
 * `delivery.forwardAgent`: the deployer's agent goes to the relays only (their master
 * connection and the commands over it), so that they can log in to the hosts they serve;
 * no other host of the run gets it.
 */
function relayGetsAgent(config: ResolvedConfig, host: HostConfig): boolean {
  return config.delivery.via === 'relay' && config.delivery.forwardAgent && config.delivery.relays.includes(host.name)
}

/** The transports of one run, and the private directory their sockets live in. */
export class RunTransports extends Map<string, Transport> {
  dir: string | undefined
}

/**
 * Where the control sockets go: Unix socket paths are limited to ~107 bytes (ssh adds a
 * 17-byte suffix while it creates one), so a long TMPDIR falls back to /tmp.
 */
export function controlBase(): string {
  return tmpdir().length <= 32 ? tmpdir() : '/tmp'
}

export function createTransports(config: ResolvedConfig, hosts: HostConfig[], factory: TransportFactory = defaultTransportFactory): RunTransports {
  const transports = new RunTransports()
  const controlDir = (): string => (transports.dir ??= makeRunDir(controlBase(), 'ssh'))
  // One throttle for the whole run: hosts behind one jump host queue on it together.
  let shared: Handshakes | undefined
  const handshakes = (): Handshakes => (shared ??= createHandshakes(config.ssh.config))
  for (const host of hosts) transports.set(host.name, factory(host, config, controlDir, handshakes))
  return transports
}

export async function closeTransports(transports: Map<string, Transport>): Promise<void> {
  await Promise.allSettled([...transports.values()].map((t) => t.close()))
  if (transports instanceof RunTransports && transports.dir !== undefined) rmSync(transports.dir, { recursive: true, force: true })
}
