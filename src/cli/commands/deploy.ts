import { parseDuration } from '../../config/duration.js'
import { UsageError } from '../../errors.js'
import { deploy } from '../../pipeline/deploy.js'
import { formatPlan } from '../../ui/render-plan.js'
import { openEnvironment, printResult, withSession, type CliIO, type GlobalFlags } from '../session.js'

interface Flags extends GlobalFlags {
  ref?: string
  plan?: boolean
  lockWait?: string
}

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const lockWaitMs = flags.lockWait === undefined ? undefined : parseDuration(String(flags.lockWait))
  if (flags.lockWait !== undefined && lockWaitMs === undefined) throw new UsageError(`--lock-wait "${flags.lockWait}" is not a duration (e.g. 30s, 5m)`)
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    const result = await deploy(session.config, {
      ...session.run,
      ...(flags.ref === undefined ? {} : { ref: String(flags.ref) }),
      ...(lockWaitMs === undefined ? {} : { lockWaitMs }),
      planOnly: flags.plan === true,
    })
    if (flags.plan) printResult(flags, io, 'plan', result.plan, () => formatPlan(result.plan))
    return result.outcome === undefined || result.outcome.ok ? 0 : 1
  })
}
