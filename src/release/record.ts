/**
 * The small manifest kept for each release in `.berth/releases/<id>.json`: its state on
 * that host and where it came from. State is recorded, never inferred from mtimes.
 */
import type { Step } from '../config/types.js'

const RELEASE_STATES = ['preparing', 'ready', 'active', 'failed', 'rolled-back'] as const
export type ReleaseState = (typeof RELEASE_STATES)[number]

export function isReleaseState(value: unknown): value is ReleaseState {
  return (RELEASE_STATES as readonly unknown[]).includes(value)
}

export interface ReleaseRecord {
  release: string
  state: ReleaseState
  revision: string
  ref: string
  createdAt: string
  updatedAt: string
  deployedBy: string
  /** Step that failed, for failed releases. */
  failedStep?: string
  /**
   * The deploy steps whose work (berth's own and the hooks) finished on this host, in order,
   * as of the last time the record was written (the switch, or the end of a failed deploy):
   * what `deploy --resume` does not run again there.
   */
  completed?: Step[]
  /**
   * The artifact the release's tree is (README, "Artifacts and the cache"): the sha256 of
   * its file list. Absent for the `git` delivery and releases made before berth kept it.
   */
  artifact?: string
  /** The environment this release was promoted from (`berth promote`). */
  promotedFrom?: string
}

/** A release a plain rollback may go back to, and that cleanup counts as good. */
export function isGood(state: ReleaseState | undefined): boolean {
  // A release dir without a manifest predates berth's bookkeeping: assume it was good.
  return state === undefined || state === 'ready' || state === 'active'
}

export function withState(record: ReleaseRecord, state: ReleaseState, at: Date, failedStep?: string): ReleaseRecord {
  const next: ReleaseRecord = { ...record, state, updatedAt: at.toISOString() }
  if (failedStep !== undefined) next.failedStep = failedStep
  else delete next.failedStep
  return next
}

/** A record for a release that has none on the host (made before berth kept records, or by hand). */
function placeholderRecord(release: string, state: ReleaseState = 'ready'): ReleaseRecord {
  return { release, state, revision: '', ref: '', createdAt: '', updatedAt: '', deployedBy: '' }
}

/** The record with the steps finished on its host. */
export function withCompleted(record: ReleaseRecord, completed: readonly Step[]): ReleaseRecord {
  return { ...record, completed: [...completed] }
}

export const recordOf = (records: ReadonlyMap<string, ReleaseRecord> | undefined, id: string): ReleaseRecord => records?.get(id) ?? placeholderRecord(id)
