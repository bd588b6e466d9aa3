import { deploy } from '../../pipeline/deploy.js'
import { formatPlan } from '../../ui/render-plan.js'
import type { Flags } from '../flags.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await (flags.plan === true ? openEnvironment(environment, flags, io, 'read') : openEnvironment(environment, flags, io, 'change', { hasHookLog: true }))
  return withSession(session, async () => {
    const result = await deploy(session.config, {
      ...session.run,
      ...(flags.ref === undefined ? {} : { ref: flags.ref }),
      ...(flags.lockWaitMs === undefined ? {} : { lockWaitMs: flags.lockWaitMs }),
      ...(flags.maintenance === true ? { maintenance: true } : {}),
      planOnly: flags.plan === true,
      ...(flags.resume === true ? { resume: true } : {}),
    })
    if (flags.plan) printResult(flags, io, 'plan', result.plan, () => formatPlan(result.plan))
    return result.outcome === undefined || result.outcome.ok ? 0 : 1
  })
}
