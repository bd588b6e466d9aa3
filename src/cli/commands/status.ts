import { getStatus } from '../../pipeline/queries.js'
import { formatStatus } from '../../ui/render-queries.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io, 'read')
  return withSession(session, async () => {
    const report = await getStatus(session.config, session.run)
    printResult(flags, io, 'status', report, () => formatStatus(report))
    return report.hosts.every((h) => h.ok) ? 0 : 1
  })
}
