import { promote } from '../../pipeline/promote.js'
import { formatPlan } from '../../ui/render-plan.js'
import type { Flags } from '../flags.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'

export async function run([from = '', to = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(to, flags, io, flags.plan === true ? 'read' : 'change', { hasHookLog: flags.plan !== true, from })
  return withSession(session, async () => {
    const result = await promote(session.from!, session.config, {
      ...session.run,
      ...(flags.release === undefined ? {} : { release: flags.release }),
      ...(flags.lockWaitMs === undefined ? {} : { lockWaitMs: flags.lockWaitMs }),
      planOnly: flags.plan === true,
    })
    if (flags.plan) printResult(flags, io, 'plan', result.plan, () => formatPlan(result.plan))
    return result.outcome === undefined || result.outcome.ok ? 0 : 1
  })
}
