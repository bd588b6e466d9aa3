/**
 * `deploy --plan`: the plan as people read it, step by step: per host (hosts with the
 * same actions shown together) the hooks with their exact commands and berth's own host
 * commands, which steps share a round trip, and the rollout batches. Nothing here runs
 * anything; `--plan --json` prints the same plan as data.
 */
import type { DeployPlan, PlannedAction, PlannedStep } from '../pipeline/plan.js'

export function formatPlan(plan: DeployPlan): string {
  const lines = [
    plan.promotedFrom === undefined
      ? `deploy ${plan.app} to ${plan.environment}: ${plan.ref} = ${plan.revision.slice(0, 12)} as release ${plan.release}`
      : `promote ${plan.app} from ${plan.promotedFrom} to ${plan.environment}: release ${plan.release} (${plan.ref} = ${plan.revision.slice(0, 12)}), the same tree, not built again`,
    `deployTo ${plan.deployTo} on ${plan.hosts.map((h) => `${h.name}${h.primary ? ' (primary)' : ''} [${h.roles.filter((r) => r !== 'all').join(',')}]`).join(', ')}`,
  ]
  if (plan.resume !== undefined) {
    lines.push(`resuming the failed deploy of release ${plan.release} (run ${plan.resume.run}): steps that finished on a host are not run again there`)
    if (plan.resume.takenUp.length > 0) lines.push(`right after the lock, the release is marked preparing again on ${plan.resume.takenUp.join(', ')} (its files are there)`)
  }
  if (plan.maintenancePage !== undefined) lines.push(`maintenance page ${plan.maintenancePage}: up before migrate, down after verify (or, after a failure, once hosts are back on their old release)`)
  if (plan.tag !== undefined) lines.push(`after success: tag ${plan.revision.slice(0, 12)} as ${plan.tag.name}${plan.tag.push === undefined ? '' : ` and push it to ${plan.tag.push}`} (in the local repository)`)
  for (const route of plan.relays?.routes ?? []) lines.push(`relay ${route.relay}: the release goes there once, and on from it to ${route.hosts.filter((h) => h !== route.relay).join(', ') || 'no other host'}`)
  if ((plan.relays?.direct.length ?? 0) > 0) lines.push(`straight from this machine, no relay serving them in this run: ${plan.relays!.direct.join(', ')}`)
  if (plan.batches.length > 1) lines.push(`rollout in ${plan.batches.length} batches: ${plan.batches.map((batch) => batch.join(', ')).join(' | ')}`)
  lines.push('')
  const goLive = plan.steps.filter((step) => step.segment === 'go-live')
  for (const step of plan.steps) {
    if (step.segment !== 'go-live' || plan.batches.length <= 1) lines.push(...formatStep(step, null))
    // Rolling: each batch is switched, restarted and verified before the next starts.
    else if (step === goLive[0]) {
      plan.batches.forEach((hosts, index) => {
        lines.push(`  batch ${index + 1}/${plan.batches.length}: ${hosts.join(', ')}`)
        for (const batchStep of goLive) lines.push(...formatStep(batchStep, hosts).map((line) => `  ${line}`))
      })
    }
  }
  lines.push('', `"<…>" is decided from each host's answer under the lock`, 'nothing was changed (--plan)')
  return `${lines.join('\n')}\n`
}

function formatStep(step: PlannedStep, batch: string[] | null): string[] {
  const body: string[] = []
  for (const inv of step.localBefore) body.push(`    local: ${inv.hook}: ${inv.display}`)
  const groups = new Map<string, string[]>()
  for (const [host, actions] of Object.entries(step.hosts)) {
    if (batch !== null && !batch.includes(host)) continue
    const text = actions.flatMap(formatAction).join('\n')
    if (text !== '') groups.set(text, [...(groups.get(text) ?? []), host])
  }
  for (const [text, hosts] of groups) body.push(`    on ${hosts.join(', ')}:`, ...text.split('\n').map((line) => `      ${line}`))
  for (const inv of step.localAfter) body.push(`    local: ${inv.hook}: ${inv.display}`)
  const skipped = (step.skipped ?? []).filter((host) => batch === null || batch.includes(host))
  if (skipped.length > 0) body.push(`    skipped on ${skipped.join(', ')}: finished there in the failed deploy`)
  const joined = Object.values(step.hosts).flat().find((a) => a.kind === 'builtin' && a.joinedTo !== undefined)
  const title = `  ${step.step}${joined?.kind === 'builtin' ? `  (in the ${joined.joinedTo} round trip)` : ''}`
  return [`${title}${body.length === 0 ? '  (nothing to do)' : ''}`, ...body]
}

function formatAction(action: PlannedAction): string[] {
  if (action.kind === 'hook') {
    const inv = action.invocation
    return [`${inv.hook}: ${inv.display}${inv.source.startsWith('deploy/') ? '' : `  (${inv.source})`}`]
  }
  const joins = action.joins === undefined ? '' : `  (one round trip with ${action.joins.join(', ')})`
  return [`berth: ${action.what}${joins}`, ...action.command.split('\n').map((line) => `  $ ${line}`)]
}
