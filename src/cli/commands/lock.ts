import { lockEnvironment } from '../../pipeline/manual-lock.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'
import { shellQuote } from '../../transport/quote.js'
import { pasteCommand } from '../../ui/paste-command.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    const hosts = await lockEnvironment(session.config, { ...session.run, ...(flags.reason ? { reason: flags.reason } : {}) })
    printResult(flags, io, 'lock', { hosts }, () => `locked ${environment} on ${hosts.join(', ')}; free it with: ${pasteCommand(flags.config)(`berth unlock ${shellQuote(environment)}`)}\n`)
    return 0
  })
}
