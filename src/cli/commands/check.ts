import { checkHosts } from '../../pipeline/check.js'
import { formatCheck } from '../../ui/render-queries.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io, 'read')
  return withSession(session, async () => {
    const hosts = await checkHosts(session.config, session.run)
    printResult(flags, io, 'check', hosts, () => formatCheck(session.config, hosts))
    return hosts.every((h) => h.ok && h.value.problems.length === 0) ? 0 : 1
  })
}
