import { unlockEnvironment } from '../../pipeline/manual-lock.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    const hosts = await unlockEnvironment(session.config, { ...session.run, force: flags.force === true })
    printResult(flags, io, 'unlock', { hosts }, () => (hosts.length === 0 ? `${environment} was not locked\n` : `unlocked ${environment} on ${hosts.join(', ')}\n`))
    return 0
  })
}
