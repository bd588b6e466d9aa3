/** What the delivery modes' report and targets read from a bench result. */
import { totalBytes, type BytesOut } from './bytes.js'
import { BASTION_TOOL } from './modes.js'
import type { Sample, Scenario } from './stats.js'

export interface ModesInput {
  hostCounts: number[]
  via?: string[]
  samples: Sample[]
  bytes?: BytesOut[]
  bastion?: { hostCounts: number[]; concurrency: number }
}

/** One deploy's bytes out, split by where they went (ssh, store); undefined: not measured or failed. */
export function rawBytes(input: ModesInput, hosts: number, scenario: Scenario, tool: string): BytesOut | undefined {
  return input.bytes?.find((b) => b.hosts === hosts && b.scenario === scenario && b.tool === tool && b.error === undefined)
}

export function bytesOut(input: ModesInput, hosts: number, scenario: Scenario, tool: string): number | undefined {
  const found = rawBytes(input, hosts, scenario, tool)
  return found === undefined ? undefined : totalBytes(found)
}

/** Refused connections per run behind the bastion, from its sshd log. */
export function refusalsText(input: ModesInput, hosts: number): string | undefined {
  if (input.bastion?.hostCounts.includes(hosts) !== true) return undefined
  const counts = input.samples.filter((s) => s.hosts === hosts && s.tool === BASTION_TOOL && s.refusals !== undefined).map((s) => s.refusals!)
  const total = counts.reduce((a, b) => a + b, 0)
  return `${total} refused connection${total === 1 ? '' : 's'} in ${counts.length} runs behind the bastion at ${hosts} hosts (--concurrency ${input.bastion.concurrency}; sshd's "drop connection" and "beginning MaxStartups throttling" lines in its log)`
}

