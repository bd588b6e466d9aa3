/**
 * The bytes that left the deploying machine, per deploy, measured outside berth: what its
 * ssh clients sent (the traffic shim, `traffic.ts`) plus, for `store`, what the S3 server
 * received (its sockets' byte counts). One untimed pass per mode and host count, after the
 * timed runs: cold deploy, one-file redeploy, no-change redeploy, rollback.
 */
import { changeOneFile, type BenchApp } from './app.js'
import { SCENARIOS, type Scenario } from './stats.js'
import type { Traffic } from './targets.js'
import type { BenchTool } from './tool.js'
import type { TrafficMeter } from './traffic.js'

export interface BytesOut {
  tool: string
  scenario: Scenario
  hosts: number
  /** Sent by this machine's ssh clients (to hosts and relays). */
  sshBytes: number
  /** Received by the S3 server (requests and bodies), for `store`. */
  storeBytes: number
  /** GET requests the S3 server answered (the hosts' fetches), for `store`. */
  storeGets?: number
  /** Why the pass did not measure this deploy. */
  error?: string
}

export const totalBytes = (b: BytesOut): number => b.sshBytes + b.storeBytes

export interface BytesPass {
  meter: TrafficMeter
  app: BenchApp
  hosts: number
  /** Bytes the S3 server has received so far. */
  storeBytesIn?: () => number
  /** GET requests the S3 server has answered so far. */
  storeGets?: () => number
  /** Numbers the one-file changes: each must differ from every earlier one. */
  change: () => number
  log: (line: string) => void
}

/** Masters write "Transferred:" as they exit, just after the CLI does. */
const MASTERS_EXIT_MS = 300

export async function measureBytes(tool: BenchTool, pass: BytesPass): Promise<BytesOut[]> {
  const out: BytesOut[] = []
  await tool.reset()
  for (const scenario of SCENARIOS) {
    if (scenario === 'one-file') await changeOneFile(pass.app, pass.change())
    // Release names have one-second resolution.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    pass.meter.reset()
    const storeBefore = pass.storeBytesIn?.() ?? 0
    const getsBefore = pass.storeGets?.() ?? 0
    const result = scenario === 'rollback' ? await tool.rollback() : await tool.deploy()
    await new Promise((resolve) => setTimeout(resolve, MASTERS_EXIT_MS))
    const bytes: BytesOut = { tool: tool.name, scenario, hosts: pass.hosts, sshBytes: pass.meter.sentBytes(), storeBytes: (pass.storeBytesIn?.() ?? 0) - storeBefore }
    if (pass.storeGets !== undefined) bytes.storeGets = pass.storeGets() - getsBefore
    if (!result.ok) bytes.error = result.error ?? 'failed'
    out.push(bytes)
    pass.log(`  bytes ${tool.name} ${scenario}: ${result.ok ? `${(totalBytes(bytes) / 1024).toFixed(1)} KB out (ssh ${(bytes.sshBytes / 1024).toFixed(1)} KB, store ${(bytes.storeBytes / 1024).toFixed(1)} KB)` : `failed: ${bytes.error}`}`)
  }
  await tool.reset()
  return out
}

/** The direct mode's bytes as the per-host traffic the targets judge ("no file content travels"). */
export function trafficOf(bytes: BytesOut[], tool: string): Traffic[] {
  return bytes
    .filter((b) => b.tool === tool && b.error === undefined && (b.scenario === 'one-file' || b.scenario === 'no-change'))
    .map((b) => ({ tool: b.tool, scenario: b.scenario, hosts: b.hosts, bytesPerHost: b.sshBytes / b.hosts }))
}
