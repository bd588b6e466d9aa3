/**
 * Picks the transport for each host of a run: `local` for `transport: local`, OpenSSH
 * otherwise. One transport (one connection) per host per run.
 */
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { UsageError } from '../errors.js'
import { LocalTransport } from './local.js'
import type { Transport } from './types.js'

export type TransportFactory = (host: HostConfig, config: ResolvedConfig) => Transport

export const defaultTransportFactory: TransportFactory = (host) => {
  if (host.transport === 'local') return new LocalTransport(host.name)
  throw new UsageError(`host ${host.name}: the ssh transport is not available in this build`)
}

export function createTransports(config: ResolvedConfig, hosts: HostConfig[], factory: TransportFactory = defaultTransportFactory): Map<string, Transport> {
  return new Map(hosts.map((host) => [host.name, factory(host, config)]))
}

export async function closeTransports(transports: Map<string, Transport>): Promise<void> {
  await Promise.allSettled([...transports.values()].map((t) => t.close()))
}
