import { openCockpit } from '../../cockpit/serve.js'
import { createRedactor } from '../../ui/redact.js'
import type { Flags } from '../flags.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'

export async function run([environment = '']: string[], flags: Flags, io: CliIO): Promise<number> {
  // The page can deploy: the environment opens as for a deploy (secrets needed, hook log kept).
  const session = await openEnvironment(environment, flags, io, 'change', { hasHookLog: true })
  return withSession(session, async () => {
    // Webhooks hear of each run from the page as of any deploy or rollback.
    const notifier = session.notifier
    const settle = notifier === undefined ? {} : { settle: (error: { message: string } | null) => notifier.settle(error) }
    const cockpit = await openCockpit(session.config, { ...session.run, port: flags.port ?? 0, redact: createRedactor(session.config.secretValues), ...settle })
    printResult(flags, io, 'ui', { url: cockpit.url }, () => `berth ui: ${cockpit.url}\nOpen it in a browser on this machine; Ctrl-C stops.\n`)
    // Serves until Ctrl-C (or SIGTERM, SIGHUP); a run from the page sees the same signal and ends cleanly first.
    await new Promise<void>((resolve) => (io.signal.aborted ? resolve() : io.signal.addEventListener('abort', () => resolve(), { once: true })))
    await cockpit.close()
    return 0
  })
}
