import { configView, formatConfig } from '../../ui/render-config.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  const session = await openEnvironment(environment, flags, io, 'read', { isStdoutData: true })
  return withSession(session, async () => {
    const view = configView(session.config)
    printResult(flags, io, 'config', view, () => formatConfig(view))
    return 0
  })
}
