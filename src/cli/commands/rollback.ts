import { rollback } from '../../pipeline/rollback.js'
import type { Flags } from '../flags.js'
import { openEnvironment, withSession, type CliIO } from '../session.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    await rollback(session.config, {
      ...session.run,
      ...(flags.to === undefined ? {} : { to: flags.to }),
      ...(flags.lockWaitMs === undefined ? {} : { lockWaitMs: flags.lockWaitMs }),
    })
    return 0
  })
}
