/**
 * The issue's targets for the delivery modes, judged on one run: relay and store send O(1)
 * copies of the changes whatever N is (store none of them over SSH), stay within 1.3× of
 * direct's wall time at the largest host count, berth's speed targets hold at that count
 * too, and the bastion refused nothing. Each says met or not with its numbers, or why it
 * could not be judged.
 */
import type { BytesOut } from './bytes.js'
import { bytesOut, rawBytes, refusalsText, type ModesInput } from './mode-data.js'
import { BASTION_TOOL, MODE_TOOLS } from './modes.js'
import { FLOOR, SCENARIOS, summarize, type Scenario } from './stats.js'
import { mb, type Target } from './targets.js'

/** At most this many copies of the app out of this machine count as "once" (control traffic aside). */
const ONCE = 1.5
/** "No file content over SSH": the cold deploy's ssh bytes beyond the no-change deploy's, as a share of the app. */
const NO_SSH_CONTENT = 0.05

export function checkModeTargets(input: ModesInput & { appBytes: number }): Target[] {
  if (input.via === undefined) return []
  const n = Math.max(...input.hostCounts)
  const targets: Target[] = []
  const med = (scenario: Scenario, tool: string): number | undefined => summarize(input.samples, n, scenario, tool)?.median
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

  for (const [scenario, limit, text] of [
    ['one-file', 1.3, 'one-file redeploy ≤ 1.3× the floor'],
    ['no-change', 1.2, "no-change redeploy ≤ 1.2× the floor's connect"],
    ['rollback', 1.3, "rollback ≤ 1.3× the floor's connect"],
  ] as const) {
    const [b, f] = [med(scenario, MODE_TOOLS.direct), med(scenario, FLOOR)]
    const label = `${n} hosts: ${text}`
    targets.push(b === undefined || f === undefined ? { text: label, detail: 'not measured' } : { text: label, met: b <= limit * f, detail: `berth ${s(b)} vs floor ${s(f)}: ${(b / f).toFixed(2)}×` })
  }

  const raw = (tool: string, scenario: Scenario): BytesOut | undefined => rawBytes(input, n, scenario, tool)
  for (const mode of ['relay', 'store'] as const) {
    if (!input.via.includes(mode)) continue
    const tool = MODE_TOOLS[mode]
    const [cold, idle] = [bytesOut(input, n, 'cold', tool), bytesOut(input, n, 'no-change', tool)]
    // relay: what its ssh clients sent beyond the control traffic; store: what went into the store
    // (its ssh traffic, the per-host URL lists included, is judged on its own below).
    const copies = cold === undefined || idle === undefined ? undefined : (mode === 'relay' ? cold - idle : raw(tool, 'cold')!.storeBytes) / input.appBytes
    const direct = bytesOut(input, n, 'cold', MODE_TOOLS.direct)
    targets.push(
      copies === undefined
        ? { text: `${mode}: the app leaves this machine once (${n} hosts, cold deploy)`, detail: 'bytes not measured' }
        : {
            text: `${mode}: the app leaves this machine once (${n} hosts, cold deploy)`,
            met: copies <= ONCE,
            detail: `${mb(cold!)} out in all, ${copies.toFixed(2)} copies of the app ${mode === 'relay' ? "beyond the no-change deploy's control traffic" : 'into the store'}${direct === undefined ? '' : ` (direct: ${mb(direct)})`}`,
          },
    )
    if (mode === 'store') {
      const [sshCold, sshIdle] = [raw(tool, 'cold'), raw(tool, 'no-change')]
      const share = sshCold === undefined || sshIdle === undefined ? undefined : (sshCold.sshBytes - sshIdle.sshBytes) / (input.appBytes * n)
      targets.push(
        share === undefined
          ? { text: 'store: no file content over SSH', detail: 'bytes not measured' }
          : { text: 'store: no file content over SSH', met: share < NO_SSH_CONTENT, detail: `ssh sent ${(share * 100).toFixed(1)} % of the app per host beyond the no-change deploy (limit ${NO_SSH_CONTENT * 100} %)` },
      )
    }
    const worst = SCENARIOS.map((scenario) => ({ scenario, mine: med(scenario, tool), theirs: med(scenario, MODE_TOOLS.direct) }))
      .filter((r) => r.mine !== undefined && r.theirs !== undefined)
      .map((r) => ({ ...r, ratio: r.mine! / r.theirs! }))
      .sort((a, b) => b.ratio - a.ratio)[0]
    const text = `${mode}: within 1.3× of direct's wall time at ${n} hosts`
    targets.push(worst === undefined ? { text, detail: 'not measured' } : { text, met: worst.ratio <= 1.3, detail: `worst: ${worst.scenario}, ${s(worst.mine!)} vs ${s(worst.theirs!)} (${worst.ratio.toFixed(2)}×)` })
  }

  if (input.bastion?.hostCounts.includes(n) === true) {
    const runs = input.samples.filter((x) => x.hosts === n && x.tool === BASTION_TOOL)
    const failed = runs.filter((x) => x.ms === undefined)
    const refused = runs.reduce((sum, x) => sum + (x.refusals ?? 0), 0)
    targets.push({
      text: `${n} hosts behind one default-configured bastion: no refused connection`,
      met: runs.length > 0 && refused === 0 && failed.length === 0,
      detail: `${refusalsText(input, n)}; ${failed.length} of ${runs.length} runs failed${failed[0]?.error === undefined ? '' : ` (${failed[0].error})`}`,
    })
  }
  return targets
}
