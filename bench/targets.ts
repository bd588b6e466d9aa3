/**
 * The issue's targets, checked against one run's medians: each says met or not, with the
 * numbers it was judged on, or why it could not be judged. Nothing is judged on a tool
 * that failed or was not installed.
 */
import { FLOOR, SCENARIOS, peakRss, summarize, type Sample, type Scenario } from './stats.js'

export interface Traffic {
  tool: string
  scenario: Scenario
  hosts: number
  /** Bytes the ssh clients sent to the hosts, divided by the number of hosts. */
  bytesPerHost: number
}

export interface Target {
  text: string
  /** undefined: could not be judged (see detail). */
  met?: boolean
  detail: string
}

export interface TargetInput {
  samples: Sample[]
  traffic: Traffic[]
  hostCounts: number[]
  appBytes: number
  /** Why a tool was deliberately not measured (`--no-peers`), by tool name. */
  skipped: Record<string, string>
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
/** "No file content travels": under 1 % of the app's bytes sent to each host. */
export const NO_CONTENT_SHARE = 0.01

export function checkTargets(input: TargetInput): { hosts: number; targets: Target[] } {
  const { samples, hostCounts } = input
  const hosts = hostCounts.includes(10) ? 10 : Math.max(...hostCounts)
  const med = (scenario: Scenario, tool: string, n = hosts): number | undefined => summarize(samples, n, scenario, tool)?.median
  const why = (scenario: Scenario, tool: string, n = hosts): string => {
    const sum = summarize(samples, n, scenario, tool)
    if (sum !== undefined) return `${tool} failed: ${sum.error ?? 'no result'}`
    const skipped = input.skipped[tool]
    return skipped === undefined ? `${tool} not measured` : `${tool} not measured: ${skipped}`
  }
  const targets: Target[] = []
  const vsFloor = (scenario: Scenario, limit: number, text: string, floorName: string): void => {
    const b = med(scenario, 'berth')
    const f = med(scenario, FLOOR)
    if (b === undefined || f === undefined) return void targets.push({ text, detail: why(scenario, b === undefined ? 'berth' : FLOOR) })
    targets.push({ text, met: b <= limit * f, detail: `berth ${s(b)} vs ${floorName} ${s(f)}: ${(b / f).toFixed(2)}× (limit ${limit}×)` })
  }
  const vsPeer = (peer: string, factor: number, text: string): void => {
    const b = med('one-file', 'berth')
    const p = med('one-file', peer)
    if (b === undefined || p === undefined) return void targets.push({ text, detail: why('one-file', b === undefined ? 'berth' : peer) })
    targets.push({ text, met: p >= factor * b, detail: `berth ${s(b)} vs ${peer} ${s(p)}: berth is ${(p / b).toFixed(2)}× faster (needs ${factor}×)` })
  }
  vsFloor('one-file', 1.3, 'one-file redeploy ≤ 1.3× the floor (connect + tar of the changed file)', 'floor')
  vsPeer('capistrano', 2, 'one-file redeploy ≥ 2× faster than Capistrano')
  vsPeer('shipit-deploy', 5, 'one-file redeploy ≥ 5× faster than shipit-deploy')
  vsFloor('cold', 1.3, 'cold deploy ≤ 1.3× the floor (tar | ssh tar -x of the app)', 'floor')
  vsFloor('rollback', 1.3, "rollback ≤ 1.3× the floor's connect time", 'ssh true')
  vsFloor('no-change', 1.2, "no-change redeploy ≤ 1.2× the floor's connect time (no hooks configured)", 'ssh true')

  const traffic = input.traffic.find((t) => t.tool === 'berth' && t.scenario === 'no-change' && t.hosts === hosts)
  const oneFile = input.traffic.find((t) => t.tool === 'berth' && t.scenario === 'one-file' && t.hosts === hosts)
  const limit = input.appBytes * NO_CONTENT_SHARE
  targets.push(
    traffic === undefined
      ? { text: 'no-change redeploy: no file content travels', detail: 'traffic not measured' }
      : {
          text: 'no-change redeploy: no file content travels',
          met: traffic.bytesPerHost < limit,
          detail: `${kb(traffic.bytesPerHost)} sent to each host (app ${mb(input.appBytes)}; limit 1 % of it, ${kb(limit)}${oneFile === undefined ? '' : `; one-file redeploy: ${kb(oneFile.bytesPerHost)}`})`,
        },
  )

  const growthText = '10 → 25 hosts: berth grows no faster than the floor'
  if (!hostCounts.includes(10) || !hostCounts.includes(25)) targets.push({ text: growthText, detail: 'needs runs at 10 and 25 hosts' })
  else {
    const parts: string[] = []
    let met = true
    let judged = true
    for (const scenario of SCENARIOS) {
      const [b10, b25, f10, f25] = [med(scenario, 'berth', 10), med(scenario, 'berth', 25), med(scenario, FLOOR, 10), med(scenario, FLOOR, 25)]
      if (b10 === undefined || b25 === undefined || f10 === undefined || f25 === undefined) {
        judged = false
        parts.push(`${scenario}: not measured`)
        continue
      }
      const [gb, gf] = [b25 / b10, f25 / f10]
      if (gb > gf) met = false
      parts.push(`${scenario} ×${gb.toFixed(2)} vs floor ×${gf.toFixed(2)}`)
    }
    targets.push({ text: growthText, ...(judged || !met ? { met } : {}), detail: parts.join('; ') })
  }

  const rss = peakRss(samples, 25, 'berth')
  targets.push(
    rss === undefined
      ? { text: 'berth peak RSS < 200 MB at 25 hosts', detail: hostCounts.includes(25) ? 'not measured (GNU time missing?)' : '25 hosts not run' }
      : { text: 'berth peak RSS < 200 MB at 25 hosts', met: rss < 200 * 1024, detail: `${(rss / 1024).toFixed(0)} MB` },
  )
  return { hosts, targets }
}

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
