/**
 * What the core tells the outside world while it works. The core only emits; reporters in
 * `ui/` decide how to show each kind (TTY, plain lines, `--json`). Kinds are `noun:verb`.
 * Adding a kind fails to compile until every reporter renders it.
 */
import type { Attention } from './attention.js'
import type { BerthError } from './errors.js'

export interface HostOutcome {
  host: string
  /** Release `current` points at now (null if none; the link's own text when it names no berth release). */
  live: string | null
  /** Step that failed on this host, if any. */
  failedStep?: string
  /** Whether this host switched to the new release during the run. */
  switched: boolean
  /** The run stopped at this step because other hosts failed; this host did not fail itself. */
  stoppedAt?: string
  error?: BerthError
}

export type BerthEvent =
  | { kind: 'run:start'; command: string; environment: string; hosts: string[]; release?: string; revision?: string; ref?: string }
  | { kind: 'step:start'; step: string; hosts: string[] }
  | { kind: 'step:done'; step: string; hosts: string[]; durationMs: number }
  | { kind: 'host:step'; host: string; step: string; status: 'start' | 'done' | 'failed' | 'skipped'; durationMs?: number; error?: BerthError }
  | { kind: 'hook:start'; host: string; hook: string; command: string; local: boolean }
  | { kind: 'hook:done'; host: string; hook: string; durationMs: number }
  | { kind: 'output'; host: string; stream: 'stdout' | 'stderr'; line: string }
  | { kind: 'log'; level: 'info' | 'warn'; message: string; host?: string }
  | { kind: 'lock:broken'; host: string; holder: string; why: string }
  | { kind: 'release:switched'; host: string; from: string | null; to: string }
  | { kind: 'release:removed'; host: string; release: string }
  | { kind: 'upload:progress'; host: string; bytes: number; files: number }
  /** A relay (`delivery.via: relay`) received the release's streams and passed them on; `failed`: hosts it could not reach. */
  | { kind: 'relay:done'; host: string; hosts: string[]; failed: string[]; bytes: number; durationMs: number }
  /** `delivery.via: store`: blobs put into the store for this release, alone or in `packs` (`present`: needed, and there already). */
  | { kind: 'store:put'; blobs: number; packs: number; bytes: number; present: number }
  /** The deployed commit was tagged in the local repository (and pushed, when `pushedTo`). */
  | { kind: 'tag:made'; tag: string; sha: string; pushedTo?: string }
  /** The maintenance page went up or down on a host, or (`kept`) a page put up by hand was left as it is. */
  | { kind: 'maintenance:page'; host: string; page: 'up' | 'down' | 'kept'; path: string }
  /** Final outcome of a command that changes hosts: one row per host. */
  | {
      kind: 'run:summary'
      command: string
      ok: boolean
      release?: string
      outcomes: HostOutcome[]
      /** Whether anything needs a person, as data (deploy, rollback, setup). */
      attention?: Attention
      /** The same in one sentence, as the summary prints it. */
      destructive: string
      durationMs: number
      /** Where the release lives on each host, and the environment (for next-step hints). */
      where?: { environment: string; deployTo: string }
    }

export type BerthEventKind = BerthEvent['kind']

/** Receives events; the CLI's reporters implement it, library users may pass their own. */
export type Reporter = (event: BerthEvent) => void
