import { getHistory } from '../../pipeline/queries.js'
import { formatHistory } from '../../ui/render-queries.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io, 'read')
  return withSession(session, async () => {
    const report = await getHistory(session.config, { ...session.run, ...(flags.limit === undefined ? {} : { limit: flags.limit }) })
    printResult(flags, io, 'history', report, () => formatHistory(report.entries, report.unreadable))
    return report.unreadable.length === 0 ? 0 : 1
  })
}
