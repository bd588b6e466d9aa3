/**
 * switch: point `current` at the new release (atomic rename, checked with readlink) and
 * record it active, the release it replaces ready. Undone on a host whose deploy fails
 * afterwards: back to the `current` it had, then that host's `rollback` hooks, then its
 * `restart` and `verify` hooks when the app had been restarted on the new release.
 */
import { posix } from 'node:path'
import { all } from '../../remote/script.js'
import { HookError, type BerthError } from '../../errors.js'
import { currentIs, restoreCurrent, switchRelease, unsetCurrent, type SwitchTarget } from '../../remote/switch.js'
import { writeRecord } from '../../remote/release.js'
import { recordOn } from '../../release/host-state.js'
import { withCompleted, withState, type ReleaseRecord } from '../../release/record.js'
import { runHookOnHost } from '../actions.js'
import { execOn, warn, type RunContext } from '../context.js'
import { transition, type DeployHost } from '../deploy-host.js'
import { planHook } from '../hooks.js'
import { planRestart } from '../restart-after-rollback.js'
import type { HostFacts, StepDef, StepInput } from './types.js'

/** The new release as the switch records it: live, with the steps done so far on the host (the switch included). */
const switchedRecord = (facts: HostFacts, input: StepInput): ReleaseRecord => withCompleted(facts.host.record ?? input.newRecord, [...facts.host.completed, 'switch'])
const activeRecord = (facts: HostFacts, input: StepInput): ReleaseRecord => withState(switchedRecord(facts, input), 'active', facts.now)

export const switchStep: StepDef = {
  name: 'switch',
  segment: 'go-live',
  builtin: {
    describe: (input) => `point current at releases/${input.release} (atomic rename)`,
    command(input, facts) {
      if (facts === null) return `${switchRelease(input.layout, { to: input.newRecord, from: null, at: new Date(input.newRecord.createdAt) })} && <the release live before is recorded ready>`
      const previous = facts.host.previous
      return switchRelease(input.layout, {
        to: switchedRecord(facts, input),
        from: previous === null ? null : { record: recordOn(facts.host.state, previous), state: 'ready' },
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

/**
 * Puts one host back on the `current` it had (exactly that link, whoever made it), marks
 * the new release failed, runs the rollback hooks and, when the app had been restarted
 * or checked on the new release, restarts and verifies it on the old one.
 */
async function switchBack(ctx: RunContext, host: DeployHost, input: StepInput): Promise<void> {
  const now = ctx.now()
  const failedStep = host.failed?.step ?? input.failedStep?.()
  // Going back undoes the switch and what followed it: a resumed deploy does them again.
  const failed = withState(withCompleted(host.record ?? input.newRecord, completedBefore(host, 'switch')), 'failed', now, failedStep)
  const { previous, previousLink } = host
  try {
    if (previousLink === null) {
      // Its first deploy: back to having no live release, as before the run.
      await execOn(ctx, host, all(unsetCurrent(ctx.layout, input.release), writeRecord(ctx.layout, failed)), { step: 'rollback', cleanup: true })
      transition.reverted(host, failed)
      warn(ctx, host, `${input.release} was taken down again: this host had no live release before this deploy`)
      return
    }
    await execOn(ctx, host, goBack(ctx, host, previousLink, { record: failed, state: 'failed', ...(failedStep === undefined ? {} : { failedStep }) }, now), { step: 'rollback', cleanup: true })
  } catch (error) {
    const message = (error as BerthError).message
    if (previousLink === null || !(await isCurrent(ctx, host, previousLink))) {
      warn(ctx, host, `could not go back to ${previous ?? previousLink}: ${message}`)
      return
    }
    // `current` is back and only the records after it failed (a full disk): the host runs
    // its old release, and the summary must say so rather than name the new one.
    warn(ctx, host, `back on ${previous ?? previousLink}, but the release records could not be updated: ${message}`)
  }
  transition.reverted(host, failed)
  const live = previous ?? previousLink
  ctx.report({ kind: 'release:switched', host: host.host.name, from: input.release, to: live })
  const releaseDir = posix.resolve(ctx.layout.root, previousLink)
  const release = { id: previous ?? posix.basename(releaseDir), revision: previous === null ? '' : recordOn(host.state, previous).revision, previous: input.release }
  const hooks = [
    ...planHook('rollback', { config: ctx.config, hosts: [host.host], defaultCwd: releaseDir, repoHooks: new Map() }),
    ...(host.wentLive ? planRestart(ctx.config, [host.host], releaseDir) : []),
  ]
  for (const invocation of hooks) {
    if (invocation.host === null) continue
    try {
      await runHookOnHost(ctx, host, invocation, release, { cleanup: true })
    } catch (error) {
      const restarting = invocation.hook !== 'rollback'
      warn(ctx, host, restarting ? `${live} is live again, but ${(error as HookError).message}: the app on this host may be down` : (error as HookError).message)
      // A verify after a failed restart would only fail again.
      if (restarting) return
    }
  }
}

/** Asks the host whether `current` is exactly `link` (false when the host cannot say). */
function isCurrent(ctx: RunContext, host: DeployHost, link: string): Promise<boolean> {
  return execOn(ctx, host, currentIs(ctx.layout, link), { step: 'rollback', cleanup: true }).then(
    () => true,
    () => false,
  )
}

/**
 * The host command that puts `current` back: berth's own switch when the link was one berth
 * makes, else exactly the text it had (the records of berth's releases still follow).
 */
function goBack(ctx: RunContext, host: DeployHost, link: string, leaving: NonNullable<SwitchTarget['from']>, now: Date): string {
  const previous = host.previous
  if (previous !== null && link === ctx.layout.currentTarget(previous)) {
    return switchRelease(ctx.layout, { to: recordOn(host.state, previous), from: leaving, at: now })
  }
  const wasActive = previous === null ? '' : writeRecord(ctx.layout, withState(recordOn(host.state, previous), 'active', now))
  return all(restoreCurrent(ctx.layout, link), wasActive, writeRecord(ctx.layout, leaving.record))
}

/** The steps the host finished before `step` (all of them, when it never finished `step`). */
function completedBefore(host: DeployHost, step: DeployHost['completed'][number]): DeployHost['completed'] {
  const at = host.completed.indexOf(step)
  return at === -1 ? host.completed : host.completed.slice(0, at)
}
