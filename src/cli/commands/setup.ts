import { setup } from '../../pipeline/setup.js'
import { openEnvironment, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    await setup(session.config, session.run)
    return 0
  })
}
