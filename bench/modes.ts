/**
 * berth's delivery modes as tools of the bench: `direct` (the tool named `berth`, as
 * before), `relay` through the primary, `store` through a real S3-protocol server on
 * loopback, and, on large fleets, direct again with every host behind one bastion whose
 * sshd keeps the default `MaxStartups 10:30:100`. Each deploys to its own directory.
 */
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Fleet } from '../test/helpers/fleet.js'
import { buildClientConfig } from '../test/helpers/sshd-config.js'
import type { S3Server } from '../test/helpers/s3-server.js'
import { berthTool } from './berth.js'
import type { BenchContext, BenchTool } from './tool.js'

export const MODES = ['direct', 'relay', 'store'] as const
export type Mode = (typeof MODES)[number]

/** Tool names in samples and tables; direct keeps `berth`, which the targets read. */
export const MODE_TOOLS: Record<Mode, string> = { direct: 'berth', relay: 'berth relay', store: 'berth store' }
export const BASTION_TOOL = 'berth bastion'
/** The bastion run opens this many connections at once: well past MaxStartups' 10. */
export const BASTION_CONCURRENCY = 100

export interface ModeSetup {
  /** With `store`: the server, and the environment berth gets (its credentials). */
  s3?: S3Server
  env?: NodeJS.ProcessEnv
}

/**
 * The store prefix of the next reset: fresh at each one, across every tool of the run (the
 * bytes pass makes its own tools), so a cold deploy finds the store empty too.
 */
let storeGeneration = 0

export function modeTool(mode: Mode, context: BenchContext, setup: ModeSetup): BenchTool {
  const base = { ...(setup.env === undefined ? {} : { env: setup.env }) }
  if (mode === 'direct') return berthTool(context, base)
  if (mode === 'relay') {
    return berthTool(context, { ...base, name: MODE_TOOLS.relay, deployTo: '/srv/berth-relay', extra: () => ({ lines: ['delivery: { via: relay }'] }) })
  }
  const s3 = setup.s3
  if (s3 === undefined) throw new Error('store mode needs the S3 server')
  return berthTool(context, {
    // The S3 server's credentials only: not this machine's ~/.aws, nor an instance's metadata.
    env: { ...(setup.env ?? process.env), ...s3.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' },
    name: MODE_TOOLS.store,
    deployTo: '/srv/berth-store',
    extra: () => ({
      lines: [`delivery: { via: store, store: { url: 's3://${s3.bucket}/bench-${++storeGeneration}', endpoint: '${s3.endpoint}', region: us-east-1, pathStyle: true } }`],
    }),
  })
}

/** Direct delivery with every host reached through the bastion (`bastionSshConfig`). */
export function bastionTool(context: BenchContext, sshConfigFile: string, setup: ModeSetup = {}): BenchTool {
  return berthTool(context, {
    ...(setup.env === undefined ? {} : { env: setup.env }),
    name: BASTION_TOOL,
    deployTo: '/srv/berth-bastion',
    args: ['--concurrency', String(BASTION_CONCURRENCY)],
    extra: () => ({ sshConfigFile }),
  })
}

/** An ssh_config for the same hosts where each says `ProxyJump bastion`. */
export async function writeBastionSshConfig(fleet: Fleet, file: string): Promise<string> {
  const bastion = fleet.bastion
  if (bastion === undefined) throw new Error('the fleet has no bastion')
  const blocks = [...fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, user: fleet.user, proxyJump: 'bastion' })), { name: 'bastion', address: bastion.address, port: bastion.port, user: fleet.user }]
  await writeFile(file, buildClientConfig({ hosts: blocks, identityFile: fleet.clientKey, knownHostsFile: fleet.knownHostsFile }))
  return file
}

/**
 * The relay's own key: the fleet's client key (authorized on every host) in the primary's
 * home. Its known_hosts is not written here: berth hands the relay the entries it trusts.
 */
export async function giveRelayKey(fleet: Fleet, relay: string): Promise<void> {
  const ssh = join(fleet.homeDir(relay), '.ssh')
  await mkdir(ssh, { recursive: true, mode: 0o700 })
  await copyFile(fleet.clientKey, join(ssh, 'id_ed25519'))
  await chmod(join(ssh, 'id_ed25519'), 0o600)
}

/** What sshd logs at INFO when MaxStartups turns a connection away. */
const REFUSED = /drop connection #\d+|beginning MaxStartups throttling/g

export function countRefusals(log: string): number {
  return log.match(REFUSED)?.length ?? 0
}
