/**
 * Marks the new release failed on a host where it did not go live (kept for inspection);
 * one whose files did not all arrive is removed first (`remote/partial-release.ts`), which
 * also frees the room its record needs when it is what filled the disk.
 */
import { discardPartialRelease } from '../../remote/partial-release.js'
import { writeRecord } from '../../remote/release.js'
import { script, tryOr } from '../../remote/script.js'
import { withCompleted, withState } from '../../release/record.js'
import { execOn, type RunContext } from '../context.js'
import type { DeployHost } from '../deploy-host.js'
import type { StepInput } from './types.js'

export interface MarkFailedOptions {
  /** The release's tree is incomplete: remove it, keep the record. */
  isPartial?: boolean
}

export async function markFailed(ctx: RunContext, host: DeployHost, input: StepInput, options: MarkFailedOptions = {}): Promise<void> {
  // With the steps that finished on this host: a resumed deploy does not run them again.
  const record = withState(withCompleted(host.record ?? input.newRecord, host.completed), 'failed', ctx.now(), host.failed?.step ?? input.failedStep?.() ?? 'deploy')
  const discard = options.isPartial === true ? tryOr(discardPartialRelease(ctx.layout, record.release), 'could not remove the incomplete release') : ''
  await execOn(ctx, host, script(discard, writeRecord(ctx.layout, record)), { step: 'cleanup', cleanup: true }).catch(() =>
    ctx.report({ kind: 'log', level: 'warn', message: 'could not mark the release failed', host: host.host.name }),
  )
}
