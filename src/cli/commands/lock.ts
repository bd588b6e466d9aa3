import { lockEnvironment } from '../../pipeline/manual-lock.js'
import { openEnvironment, printResult, withSession, type CliIO, type GlobalFlags } from '../session.js'

export async function run([environment = '']: string[], flags: GlobalFlags & { reason?: string }, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    const hosts = await lockEnvironment(session.config, { ...session.run, ...(flags.reason ? { reason: String(flags.reason) } : {}) })
    printResult(flags, io, 'lock', { hosts }, () => `locked ${environment} on ${hosts.join(', ')}; free it with: berth unlock ${environment}\n`)
    return 0
  })
}
