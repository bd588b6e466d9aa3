/**
 * switch: point `current` at the new release (atomic rename, checked with readlink) and
 * record it active, the release it replaces ready. Undone on a host whose deploy fails
 * afterwards: back to the release it had, then that host's `rollback` hooks.
 */
import { all } from '../../remote/script.js'
import { HookError, type BerthError } from '../../errors.js'
import { switchRelease, unsetCurrent } from '../../remote/switch.js'
import { writeRecord } from '../../remote/release.js'
import { recordOf, withState, type ReleaseRecord } from '../../release/record.js'
import { runHookOnHost } from '../actions.js'
import { execOn, type RunContext } from '../context.js'
import { transition, type DeployHost } from '../deploy-host.js'
import { planHook } from '../hooks.js'
import type { HostFacts, StepDef, StepInput } from './types.js'

const activeRecord = (facts: HostFacts, input: StepInput): ReleaseRecord => withState(facts.host.record ?? input.newRecord, 'active', facts.now)

export const switchStep: StepDef = {
  name: 'switch',
  segment: 'go-live',
  builtin: {
    describe: (input) => `point current at releases/${input.release} (atomic rename)`,
    command(input, facts) {
      if (facts === null) return `${switchRelease(input.layout, { to: input.newRecord, from: null, at: new Date(input.newRecord.createdAt) })} && <the release live before is recorded ready>`
      const previous = facts.host.previous
      return switchRelease(input.layout, {
        to: facts.host.record ?? input.newRecord,
        from: previous === null ? null : { record: recordOf(facts.host.state?.records, previous), state: 'ready' },
        at: facts.now,
      })
    },
    starting: (_ctx, facts) => transition.switching(facts.host),
    done(ctx, facts, input) {
      transition.switched(facts.host, activeRecord(facts, input))
      ctx.report({ kind: 'release:switched', host: facts.host.host.name, from: facts.host.previous, to: input.release })
    },
  },
  revert: (ctx, host, input) => (host.switched && !host.rolledBack ? switchBack(ctx, host, input) : Promise.resolve()),
}

/** Puts one host back on the release it had, marks the new one failed and runs the rollback hooks. */
async function switchBack(ctx: RunContext, host: DeployHost, input: StepInput): Promise<void> {
  const now = ctx.now()
  const failedStep = host.failed?.step ?? input.failedStep?.()
  const failed = withState(host.record ?? input.newRecord, 'failed', now, failedStep)
  try {
    if (host.previous === null) {
      // Its first deploy: back to having no live release, as before the run.
      await execOn(ctx, host, all(unsetCurrent(ctx.layout, input.release), writeRecord(ctx.layout, failed)), { step: 'rollback', cleanup: true })
      transition.reverted(host, failed)
      warn(ctx, host, `${input.release} was taken down again: this host had no live release before this deploy`)
      return
    }
    const previous = recordOf(host.state?.records, host.previous)
    const command = switchRelease(ctx.layout, { to: previous, from: { record: failed, state: 'failed', ...(failedStep === undefined ? {} : { failedStep }) }, at: now })
    await execOn(ctx, host, command, { step: 'rollback', cleanup: true })
  } catch (error) {
    warn(ctx, host, `could not go back to ${host.previous}: ${(error as BerthError).message}`)
    return
  }
  transition.reverted(host, failed)
  ctx.report({ kind: 'release:switched', host: host.host.name, from: input.release, to: host.previous })
  const release = { id: host.previous, revision: recordOf(host.state?.records, host.previous).revision, previous: input.release }
  const hooks = planHook('rollback', { config: ctx.config, hosts: [host.host], defaultCwd: ctx.layout.release(host.previous), repoHooks: new Map() })
  for (const invocation of hooks) {
    if (invocation.host === null) continue
    await runHookOnHost(ctx, host, invocation, release, { cleanup: true }).catch((error: HookError) => warn(ctx, host, error.message))
  }
}

function warn(ctx: RunContext, host: DeployHost, message: string): void {
  ctx.report({ kind: 'log', level: 'warn', message, host: host.host.name })
}
