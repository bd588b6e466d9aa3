import { UsageError } from '../../errors.js'
import { setMaintenance } from '../../pipeline/maintenance.js'
import type { Flags } from '../flags.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'

export async function run([environment = '', action = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  if (action !== 'on' && action !== 'off') throw new UsageError(`berth maintenance ${environment} ${JSON.stringify(action)}: say on or off`, { hint: `berth maintenance ${environment} on [--message TEXT], or berth maintenance ${environment} off` })
  if (action === 'off' && flags.message !== undefined) throw new UsageError('--message goes with on: the page taken down says nothing', { hint: `berth maintenance ${environment} off` })
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    const hosts = await setMaintenance(session.config, action === 'on', { ...session.run, ...(flags.message === undefined ? {} : { message: flags.message }) })
    printResult(flags, io, 'maintenance', { on: action === 'on', hosts }, () => `maintenance page ${action === 'on' ? 'up' : 'down'} on ${hosts.join(', ')}\n`)
    return 0
  })
}
