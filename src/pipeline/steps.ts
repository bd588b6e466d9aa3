/**
 * berth's own work in each step, on one host: upload the tree, write REVISION, link
 * shared paths, switch `current`. Each is one command (one round trip) built in
 * `src/remote/`.
 */
import type { Step } from '../config/types.js'
import type { Shipment } from '../delivery/upload.js'
import { RemoteCommandError } from '../errors.js'
import { withState, type ReleaseRecord } from '../release/record.js'
import { EXIT } from '../remote/exit-codes.js'
import { fetchFromMirrors, type MirroredCommit } from '../remote/git.js'
import { createRelease, receiveRelease, writeRecord, writeRevision } from '../remote/release.js'
import { all, sequence } from '../remote/script.js'
import { linkShared } from '../remote/shared.js'
import { switchCurrent } from '../remote/switch.js'
import { execOn, type RunContext } from './context.js'
import type { DeployRun } from './deploy-finish.js'

export interface BuiltinInput {
  release: string
  sha: string
  ref: string
  /** Per host, for the upload strategy; null for git. */
  shipments: Map<string, Shipment> | null
  /** For the git strategy: the app's commit and its submodules', each from its own remote. */
  mirrors?: MirroredCommit[]
  /** Link shared paths in the same round trip as the upload (no hook runs in between). */
  linkWithFetch?: boolean
}

export async function builtinStep(ctx: RunContext, run: DeployRun, step: Step, input: BuiltinInput): Promise<void> {
  const { layout } = ctx
  switch (step) {
    case 'fetch': {
      const record = newRecord(ctx, input)
      run.created = true
      try {
        await fetchInto(ctx, run, record, input)
      } catch (error) {
        // A directory of that name was already there: it (and its record) belong to another run.
        if (error instanceof RemoteCommandError && error.commandExitCode === EXIT.releaseExists) run.created = false
        throw error
      }
      run.record = record
      return
    }
    case 'link':
      await execOn(ctx, run, linkShared(layout, input.release, ctx.config.shared), { step })
      return
    case 'switch': {
      const now = ctx.now()
      const active = withState(run.record ?? newRecord(ctx, input), 'active', now)
      const lines = [switchCurrent(layout, input.release), writeRecord(layout, active)]
      if (run.previous !== null) lines.push(writeRecord(layout, withState(previousRecord(run), 'ready', now)))
      run.switched = true
      await execOn(ctx, run, all(...lines), { step })
      run.record = active
      ctx.report({ kind: 'release:switched', host: run.host.name, from: run.previous, to: input.release })
      return
    }
    default:
      // lock, cleanup and unlock are carried out across hosts by deploy-finish.ts / lock.ts.
      return
  }
}

async function fetchInto(ctx: RunContext, run: DeployRun, record: ReleaseRecord, input: BuiltinInput): Promise<void> {
  const { layout } = ctx
  const step = 'fetch'
  const shipment = input.shipments?.get(run.host.name)
  const shared = ctx.config.shared
  const link = input.linkWithFetch && shared.files.length + shared.dirs.length > 0 ? [linkShared(layout, input.release, shared)] : []
  if (shipment) {
    const command = sequence(createRelease(layout, record), receiveRelease(layout, input.release, shipment.compressed), writeRevision(layout, input.release, input.sha), ...link)
    await execOn(ctx, run, command, { step, stdin: shipment.open(), display: `unpack the release into ${layout.release(input.release)}` })
    ctx.report({ kind: 'upload:progress', host: run.host.name, bytes: shipment.bytesSent, files: shipment.filesSent })
  } else {
    const commits = input.mirrors ?? [{ url: ctx.config.repo, sha: input.sha, prefix: '', tree: ctx.config.subdir ?? '' }]
    const command = sequence(
      createRelease(layout, record),
      ...fetchFromMirrors(layout, input.release, commits),
      writeRevision(layout, input.release, input.sha),
      ...link,
    )
    await execOn(ctx, run, command, { step, brief: false, display: `git fetch into ${layout.repo} and archive ${input.sha.slice(0, 7)}` })
  }
}

export function newRecord(ctx: RunContext, input: BuiltinInput): ReleaseRecord {
  const at = ctx.now().toISOString()
  return {
    release: input.release,
    state: 'preparing',
    revision: input.sha,
    ref: input.ref,
    createdAt: at,
    updatedAt: at,
    deployedBy: `${ctx.identity.user}@${ctx.identity.machine}`,
  }
}

/** The record of the release that was live before this run (synthesised if it had none). */
export function previousRecord(run: DeployRun): ReleaseRecord {
  const id = run.previous!
  return (
    run.state?.records.get(id) ?? {
      release: id,
      state: 'ready',
      revision: '',
      ref: '',
      createdAt: '',
      updatedAt: '',
      deployedBy: '',
    }
  )
}
