/**
 * `deploy --plan`: the plan as people read it, step by step, host by host, with the exact
 * commands hooks will run. Nothing here runs anything.
 */
import type { DeployPlan } from '../pipeline/plan.js'

export function formatPlan(plan: DeployPlan): string {
  const lines = [
    `deploy ${plan.app} to ${plan.environment}: ${plan.ref} = ${plan.revision.slice(0, 12)} as release ${plan.release}`,
    `deployTo ${plan.deployTo} on ${plan.hosts.map((h) => `${h.name}${h.primary ? ' (primary)' : ''} [${h.roles.filter((r) => r !== 'all').join(',')}]`).join(', ')}`,
    '',
  ]
  for (const step of plan.steps) {
    const body: string[] = []
    for (const inv of step.localBefore) body.push(`    local     ${inv.hook}: ${inv.display}`)
    for (const [host, actions] of Object.entries(step.hosts)) {
      for (const action of actions) {
        body.push(
          action.kind === 'builtin'
            ? `    ${host.padEnd(9)} ${action.what}`
            : `    ${host.padEnd(9)} ${action.invocation.hook}: ${action.invocation.display}${action.invocation.source.startsWith('deploy/') ? '' : `  (${action.invocation.source})`}`,
        )
      }
    }
    for (const inv of step.localAfter) body.push(`    local     ${inv.hook}: ${inv.display}`)
    lines.push(`  ${step.step}${body.length === 0 ? '  (nothing to do)' : ''}`, ...body)
  }
  lines.push('', 'nothing was changed (--plan)')
  return `${lines.join('\n')}\n`
}
