/** Marks the new release failed on a host where it did not go live (kept for inspection). */
import { writeRecord } from '../../remote/release.js'
import { withState } from '../../release/record.js'
import { execOn, type RunContext } from '../context.js'
import type { DeployHost } from '../deploy-host.js'
import type { StepInput } from './types.js'

export async function markFailed(ctx: RunContext, host: DeployHost, input: StepInput): Promise<void> {
  const record = withState(host.record ?? input.newRecord, 'failed', ctx.now(), host.failed?.step ?? input.failedStep?.() ?? 'deploy')
  await execOn(ctx, host, writeRecord(ctx.layout, record), { step: 'cleanup', cleanup: true }).catch(() =>
    ctx.report({ kind: 'log', level: 'warn', message: 'could not mark the release failed', host: host.host.name }),
  )
}
