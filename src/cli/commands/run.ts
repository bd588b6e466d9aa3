import { UsageError } from '../../errors.js'
import { runAdhoc } from '../../pipeline/adhoc.js'
import { formatAdhoc } from '../../ui/render-queries.js'
import { openEnvironment, printResult, withSession, type CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run([environment = '', ...words]: string[], flags: Flags, io: CliIO): Promise<number> {
  // Everything after `--` is the command, passed to the host's shell as written.
  const command = [...words, ...(flags['--'] ?? [])].join(' ').trim()
  if (command === '') throw new UsageError('no command given', { hint: `berth run ${environment} -- 'uptime'` })
  const session = await openEnvironment(environment, flags, io)
  return withSession(session, async () => {
    const results = await runAdhoc(session.config, command, session.run)
    printResult(flags, io, 'run', results, () => formatAdhoc(results, flags.verbose === true || flags.quiet === true))
    return results.every((r) => r.ok && r.value.exitCode === 0) ? 0 : 1
  })
}
