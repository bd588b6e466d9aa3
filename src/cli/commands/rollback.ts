import { parseDuration } from '../../config/duration.js'
import { rollback } from '../../pipeline/rollback.js'
import { openEnvironment, withSession, type CliIO, type GlobalFlags } from '../session.js'

interface Flags extends GlobalFlags {
  to?: string
  lockWait?: string
}

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io)
  const lockWaitMs = flags.lockWait === undefined ? undefined : parseDuration(String(flags.lockWait))
  return withSession(session, async () => {
    await rollback(session.config, {
      ...session.run,
      ...(flags.to === undefined ? {} : { to: String(flags.to) }),
      ...(lockWaitMs === undefined ? {} : { lockWaitMs }),
    })
    return 0
  })
}
