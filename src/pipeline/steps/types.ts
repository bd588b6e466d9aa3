/**
 * What a pipeline step is: one module per step (`lock.ts`, `fetch.ts`, ...) exports a
 * `StepDef`, and `registry.ts` lists them in order. The plan and the executor only ever
 * read these definitions: neither holds a step name. A new step (a maintenance page, a
 * tag) is a new module and one line in the registry.
 */
import type { ResolvedConfig, Step } from '../../config/types.js'
import type { DeliveryStrategy, HostDelivery } from '../../delivery/strategy.js'
import type { RenderedTemplates } from '../../delivery/templates.js'
import type { LockHolder } from '../../errors.js'
import type { HistoryEntry } from '../../history/entry.js'
import type { ReleaseRecord } from '../../release/record.js'
import type { Layout } from '../../release/layout.js'
import type { RunContext } from '../context.js'
import type { DeployHost } from '../deploy-host.js'

/**
 * Where a step sits in a deploy:
 * - `open`: before any host changes (the lock);
 * - `prepare`: every host finishes these before any host switches;
 * - `go-live`: once per rollout batch (switch, restart, verify);
 * - `close`: after the deploy is decided (cleanup, unlock): a failure there is a warning,
 *   since it can no longer undo what went live.
 */
export type Segment = 'open' | 'prepare' | 'go-live' | 'close'

/** What every step of one deploy shares: known before any host answers. */
export interface StepInput {
  config: ResolvedConfig
  layout: Layout
  release: string
  sha: string
  ref: string
  delivery: DeliveryStrategy
  /** The new release's record as first written (state `preparing`). */
  newRecord: ReleaseRecord
  /** Who holds the lock this run takes (its token frees only that lock). */
  holder: LockHolder & { token: string; command: string }
  /** Keep retrying a held lock this long. */
  lockWaitMs?: number
  /** The step the run as a whole failed at, once it has (for records written while reverting). */
  failedStep?: () => string | undefined
  /** The config's templates, rendered (absent in a config without any). */
  templates?: RenderedTemplates
}

/**
 * What a host reported, and what the run decided for it, once it has answered under the
 * lock. A plan made before that has none: commands then show `<…>` where it matters.
 */
export interface HostFacts {
  host: DeployHost
  /** Its part of the delivery (the fetch step). */
  delivery?: HostDelivery
  /** The history line the run writes on it (the unlock step). */
  history?: HistoryEntry
  /** Clock for records written now. */
  now: Date
}

/** Berth's own work in a step, on one host: one host command, run in one round trip. */
interface Builtin {
  /** One line for people; '' when the step has nothing to do in this config (no shared paths). */
  describe(input: StepInput): string
  /** The host command (null: nothing to do on this host); `facts` is null in a plan made before the hosts answered. */
  command(input: StepInput, facts: HostFacts | null): string | null
  /**
   * Rides in the round trip of the previous step's built-in work when no hook (on any
   * host, or local) runs between the two: the plan records it, the executor follows it.
   * A step that reads stdin of its own in this config says no (a round trip has one stdin).
   */
  joinsPrevious?: boolean | ((input: StepInput) => boolean)
  /**
   * The built-in work alone completes the step on a host (the release's files arrived), even
   * when a hook of the step fails afterwards: `deploy --resume` does not do it again. Other
   * steps complete only once their hooks ran too.
   */
  completesAlone?: boolean
  /** What the command reads on stdin (the fetch step's tar stream, the link step's templates). */
  stdin?(facts: HostFacts, input: StepInput): (() => import('node:stream').Readable) | undefined
  /** The command may run long: a process of its own (which Ctrl-C stops), not berth's shared shell. */
  isLong?(facts: HostFacts): boolean
  /**
   * Its stdin, when small, may ride on berth's shared shell with the command (`brief` with
   * input, see `transport/types.ts`): no ssh process of its own. Only for input that is no
   * secret (the shell may hold it in a temp file while it reads it).
   */
  hasPlainInput?: boolean
  /** What to show for the command in events and errors, when it is not itself readable. */
  display?(input: StepInput, facts: HostFacts): string | undefined
  /** Before the command runs on a host (a transition: "may have been created"). */
  starting?(ctx: RunContext, facts: HostFacts, input: StepInput): void
  /** After it succeeded on a host: transitions and events (`stderr`, `stdout`: what the round trip said). */
  done?(ctx: RunContext, facts: HostFacts, input: StepInput, stderr: string, stdout: string): void
  /** After it failed on a host, before the failure is recorded. */
  failed?(error: unknown, facts: HostFacts): void
  /**
   * The work may fail without failing the deploy (removing old releases): this is the
   * warning. In a round trip shared with later work it must not stop that work either.
   */
  bestEffort?: (host: string) => string
}

export interface StepDef {
  name: Step
  segment: Segment
  builtin?: Builtin
  /**
   * Carries out the built-in work across all hosts at once instead of host by host (the
   * lock: taken in a fixed host order). Receives the command per host from the plan.
   */
  runFleet?(ctx: RunContext, hosts: DeployHost[], input: StepInput): Promise<void>
  /** Runs at the end of a failed deploy too, on every host the run locked (unlock). */
  alsoOnFailure?: boolean
  /** A hook of this step starting on a host (migrate: "migrations may have run"). */
  hookStarting?(host: DeployHost): void
  /** Undoes the step on a host when the deploy fails after it completed there. */
  revert?(ctx: RunContext, host: DeployHost, input: StepInput): Promise<void>
}
