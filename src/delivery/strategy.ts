/**
 * The delivery seam: how a release's files get from this machine into
 * `releases/<id>/` on each host. A deploy knows only this interface; `upload` (one packed
 * stream per host) and `git` (each host fetches into its own mirror) are its two
 * implementations, and a new way to move bytes (through a relay host, from an object
 * store) is one more module here, chosen in `strategies.ts`.
 *
 * Life of a delivery in a deploy: `start` while the hosts connect (local work such as
 * reading the commit or building may begin at once) → `forHosts` once every host has
 * answered under the lock → each host runs its `HostDelivery.command` inside the fetch
 * step → `recordLive` for the hosts that went live → `close` always.
 */
import type { Readable } from 'node:stream'
import type { Artifact } from '../artifact/store.js'
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import type { Reporter } from '../events.js'
import type { HostState } from '../release/host-state.js'
import type { InspectOptions } from '../remote/inspect.js'
import type { Layout } from '../release/layout.js'
import type { ExecResult } from '../transport/types.js'
import type { Routing } from './relay-route.js'

/** What a delivery needs from the run that uses it (given by the deploy; no pipeline import). */
export interface DeliveryContext {
  config: ResolvedConfig
  layout: Layout
  report: Reporter
  /** This machine's cache (file lists shipped, releases left live, mirrors of remote repos). */
  cacheDir: string
  /** Runs one of berth's own commands on a host of the run. */
  exec(host: string, command: string): Promise<ExecResult>
  /**
   * Runs one of berth's own commands on a host of the run with `stdin` as its input (a
   * relay's archive); `display` is what errors show for it.
   */
  execWithInput(host: string, command: string, stdin: Readable, display: string): Promise<ExecResult>
  /** Artifacts beyond this total size are pruned from the cache (`BERTH_CACHE_MAX`). */
  cacheMaxBytes: number
  /** Runs a local build command in `cwd`, reported like a hook; rejects with a `HookError`. */
  runLocal(command: string, cwd: string, env: Record<string, string>): Promise<void>
}

/** A host as a delivery sees it: its config and what it reported under the lock. */
export interface DeliveryHost {
  host: HostConfig
  state: HostState | null
}

export interface DeliveryInput {
  repoDir: string
  sha: string
  release: string
  /** A private directory for this run's files, removed when the run ends. */
  workDir: string
  /** The tree to ship, already built (a promote): neither git nor the build is run. */
  artifact?: Artifact
}

/** One host's part of the fetch step: run after the release's directory and record exist. */
/**
 * Beyond this many bytes to unpack or fetch, a host's delivery may take a while: it gets a
 * process of its own (`HostDelivery.isLong`), which Ctrl-C stops, instead of the shell
 * berth's short commands share, which no interruption reaches. At or below it, it rides
 * that shell and costs no ssh process here nor session on the host.
 */
export const LONG_DELIVERY_BYTES = 512 * 1024

export interface HostDelivery {
  /** Host command that fills `releases/<id>/`. */
  command: string
  /** The data it reads on stdin (a tar stream), opened when the command starts. */
  stdin?: () => Readable
  /** What people see for the command in events and errors. */
  display: string
  /** What travelled, for the `upload:progress` event. */
  sent?: { bytes: number; files: number }
  /**
   * It may run long (a git fetch): it gets a process of its own, which Ctrl-C stops,
   * instead of the shell berth's short commands share.
   */
  isLong?: boolean
}

export interface DeliveryStrategy {
  readonly name: ResolvedConfig['strategy']
  /** Commands a host needs beyond sh, coreutils and tar (what `check` looks for). */
  readonly hostTools: readonly string[]
  /** What else to read from each host when the lock is taken. */
  readonly inspect: InspectOptions
  /** One line for people: what the fetch step does on a host. */
  describe(release: string): string
  /**
   * The host command as the plan shows it before any host has answered: parts that depend
   * on a host's state (which files it lacks, whether it has gzip) are shown as `<…>`.
   */
  preview(layout: Layout, release: string): string
  start(ctx: DeliveryContext, hosts: DeliveryHost[], input: DeliveryInput): Delivery
  /** Which relay serves which of these hosts (`delivery.via: relay`), for the plan and `check`. */
  route?(config: ResolvedConfig, hosts: string[]): Routing
}

/** One release on its way to the hosts of one run. */
export interface Delivery {
  /** Each host's part, decided from what the host reported under the lock. */
  forHosts(hosts: DeliveryHost[]): Promise<Map<string, HostDelivery>>
  /**
   * The id of the artifact this delivery ships (`artifact/store.ts`), once it is known
   * (after `forHosts`); absent for a delivery that ships no tree from this machine (git).
   */
  artifact?(): Promise<string>
  /** Remembers, for the hosts now live on this release, what the next deploy will find there. */
  recordLive(hosts: DeliveryHost[]): Promise<void>
  /** Waits for local work still under way and frees what it used. Safe to call twice. */
  close(): Promise<void>
}
