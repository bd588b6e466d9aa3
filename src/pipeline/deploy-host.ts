/**
 * What a deploy knows about one host, and the only ways it changes. Every module of the
 * deploy reads this structure; only the transitions below write it, so the life of a
 * host in a deploy reads in one place: locked → created → switched (→ reverted), with
 * `failed` possible at any point.
 */
import type { Step } from '../config/types.js'
import type { BerthError } from '../errors.js'
import type { HostState } from '../release/host-state.js'
import type { ReleaseRecord } from '../release/record.js'
import type { HostRun } from './context.js'

export interface DeployHost extends HostRun {
  /** This run holds the host's lock. */
  locked: boolean
  /** Release `current` pointed at when the run took the lock (null also when it named no berth release). */
  previous: string | null
  /**
   * The `current` symlink's text when the run took the lock, exactly as read (null: there
   * was none). A failed deploy puts back this, not only a release berth can name: a
   * Capistrano-style `/srv/app/releases/20231201120000` or a hand-made link must survive.
   */
  previousLink: string | null
  /** The new release's directory was (or may have been) created on this host. */
  created: boolean
  /** `current` was (or may have been) switched to the new release on this host. */
  switched: boolean
  /** Put back on `previous` after a failure. */
  rolledBack: boolean
  /** Migration hooks started on this host. */
  migrated: boolean
  /** `restart` or `verify` hooks started on this host: the app may be running the new release. */
  wentLive: boolean
  /** The new release's record, as last written on this host. */
  record: ReleaseRecord | null
  /** `reuse` directories copied from the live release on this host (their install hooks are skipped). */
  reused: string[]
  /** Steps whose work (berth's own and the hooks) finished on this host, in order. */
  completed: Step[]
  /** Steps whose built-in host command finished here, their hooks aside (the release's files arrived: `fetch`). */
  builtinDone: Step[]
  /** Milliseconds spent per step on this host. */
  durations: Record<string, number>
}

/** The run's own host object grows into a deploy's (the fleet keys connections by it). */
export function newDeployHost(run: HostRun): DeployHost {
  return Object.assign(run, { locked: false, previous: null, previousLink: null, created: false, switched: false, rolledBack: false, migrated: false, wentLive: false, record: null, reused: [], completed: [], builtinDone: [], durations: {} })
}

/** The named transitions: each says what happened on the host, and sets what follows from it. */
export const transition = {
  locked(host: DeployHost, state: HostState): void {
    host.locked = true
    host.state = state
    host.previous = state.current
    host.previousLink = state.currentLink
  },
  /** These dependency directories of the new release came from the live one. */
  reused(host: DeployHost, paths: string[]): void {
    host.reused = paths
  },
  /** The release directory is about to be created: from now on it may exist. */
  creating(host: DeployHost, record: ReleaseRecord): void {
    host.created = true
    host.record = record
  },
  /**
   * A resumed deploy takes up the release a failed run left complete on this host: it is
   * this run's to mark failed again, and the steps that finished there count as done.
   */
  resumed(host: DeployHost, record: ReleaseRecord, done: readonly Step[]): void {
    host.created = true
    host.record = record
    host.completed = [...done]
    // Only a host holding the release's whole tree is taken up: its files arrived.
    host.builtinDone = [...new Set<Step>([...done, 'fetch'])]
  },
  /** The directory was already there: it belongs to another run, and is not ours to mark. */
  notCreated(host: DeployHost): void {
    host.created = false
    host.record = null
  },
  /** `current` is about to move: from now on it may point at the new release. */
  switching(host: DeployHost): void {
    host.switched = true
  },
  switched(host: DeployHost, record: ReleaseRecord): void {
    host.record = record
  },
  migrating(host: DeployHost): void {
    host.migrated = true
  },
  /** A restart or verify hook is starting: after a revert, the app must be restarted on the old release. */
  goingLive(host: DeployHost): void {
    host.wentLive = true
  },
  reverted(host: DeployHost, record: ReleaseRecord): void {
    host.rolledBack = true
    host.record = record
  },
  failed(host: DeployHost, step: string, error: BerthError): void {
    if (host.failed === null) host.failed = { step, error }
  },
  completed(host: DeployHost, step: Step): void {
    if (!host.completed.includes(step)) host.completed.push(step)
  },
  builtinDone(host: DeployHost, step: Step): void {
    if (!host.builtinDone.includes(step)) host.builtinDone.push(step)
  },
  spent(host: DeployHost, step: string, ms: number): void {
    host.durations[step] = (host.durations[step] ?? 0) + ms
  },
} as const

/** The new release stays live on this host after the run. */
export const isLiveOnNew = (host: DeployHost): boolean => host.switched && !host.rolledBack
