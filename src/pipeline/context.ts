/**
 * What one run (deploy, rollback, ...) carries around: the resolved config, the hosts it
 * works on with their transports and what is known about them, and the ways it talks to
 * the outside (events, clock, interruption). Also the one helper that runs a command on
 * a host and turns its output into events.
 */
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { hostname } from 'node:os'
import { defaultCacheDir, defaultCacheMaxBytes } from '../cache-dir.js'
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { BerthError, InterruptedError, toBerthError } from '../errors.js'
import type { Reporter } from '../events.js'
import { currentUser, machineId } from '../identity.js'
import type { HostState } from '../release/host-state.js'
import { layoutFor, type Layout } from '../release/layout.js'
import type { ExecOptions, ExecResult, Transport } from '../transport/types.js'

/** Who is running berth, and where: written into locks and history. */
export interface Identity {
  user: string
  /** Host name of this machine. */
  machine: string
  /** Stable id of this machine's berth (see `identity.ts`); absent when it cannot be kept. */
  machineId?: string
  pid: number
}

export interface RunOptions {
  reporter?: Reporter
  /** Aborting stops the run between (and inside) steps; cleanup still happens. */
  signal?: AbortSignal
  now?: () => Date
  /**
   * Overrides who and where berth says it runs as (tests, or a server acting for a user);
   * `machineId: undefined` means none. @default this process's, with the id kept in the config dir
   */
  identity?: Partial<Identity>
  /** Creates the transport for a host. @default local or OpenSSH, per `transport:` */
  transportFactory?: (host: HostConfig, config: ResolvedConfig) => Transport
  /** Hosts worked at once. @default 10 */
  concurrency?: number
  /** Limit the run to hosts with one of these roles. */
  roles?: string[]
  /** Limit the run to these hosts. */
  hosts?: string[]
  /**
   * Where this machine keeps berth's caches (file lists, mirrors of remote repos, live releases).
   * @default `BERTH_CACHE_DIR`, else `$XDG_CACHE_HOME/berth`, else `~/.cache/berth`
   */
  cacheDir?: string
  /** Artifacts kept in the cache beyond this size are pruned. @default `BERTH_CACHE_MAX`, else 2 GiB */
  cacheMaxBytes?: number
}

export interface HostRun {
  host: HostConfig
  transport: Transport
  state: HostState | null
  failed: { step: string; error: BerthError } | null
}

export interface RunContext {
  config: ResolvedConfig
  layout: Layout
  report: Reporter
  signal: AbortSignal
  now: () => Date
  identity: Identity
  concurrency: number
  /** Unique per run; the lock carries it so a run frees only its own lock. */
  token: string
  /** berth's cache on this machine (`RunOptions.cacheDir`). */
  cacheDir: string
  /** `RunOptions.cacheMaxBytes`. */
  cacheMaxBytes: number
}

export function createContext(config: ResolvedConfig, options: RunOptions): RunContext {
  const signal = options.signal ?? new AbortController().signal
  // Every command in flight on every host listens for an abort: more than Node's default of 10.
  setMaxListeners(0, signal)
  return {
    config,
    layout: layoutFor(config.deployTo),
    report: options.reporter ?? (() => {}),
    signal,
    now: options.now ?? (() => new Date()),
    identity: resolveIdentity(options.identity ?? {}),
    concurrency: options.concurrency ?? 10,
    token: randomUUID(),
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    cacheMaxBytes: options.cacheMaxBytes ?? defaultCacheMaxBytes(),
  }
}

/** This process's identity, with what `given` names taken as is (nothing is looked up for it). */
export function resolveIdentity(given: Partial<Identity>): Identity {
  const identity: Identity = {
    user: given.user ?? currentUser(),
    machine: given.machine ?? hostname(),
    pid: given.pid ?? process.pid,
  }
  const id = 'machineId' in given ? given.machineId : machineId()
  if (id !== undefined) identity.machineId = id
  return identity
}

export interface HostExec extends Omit<ExecOptions, 'onLine'> {
  /** Stream the command's output as `output` events (hooks); berth's own scripts stay quiet. */
  showOutput?: boolean
  /** Run even after the run was interrupted (cleanup must still free locks). */
  cleanup?: boolean
}

/** Runs a command on a host through its transport, honouring interruption and reporting output. */
export function execOn(ctx: RunContext, run: HostRun, command: string, options: HostExec = {}): Promise<ExecResult> {
  const { showOutput, cleanup, ...rest } = options
  if (!cleanup && ctx.signal.aborted) return Promise.reject(interrupted(rest.step))
  // berth's own quiet scripts are short; what a user wrote, or what carries data, is not.
  const exec: ExecOptions = { brief: !showOutput && rest.stdin === undefined, ...rest }
  if (!cleanup) exec.signal = ctx.signal
  else exec.timeoutMs ??= 60_000
  if (showOutput) exec.onLine = (stream, line) => ctx.report({ kind: 'output', host: run.host.name, stream, line })
  return run.transport.exec(command, exec).catch((error: unknown) => {
    if (!cleanup && ctx.signal.aborted) throw interrupted(rest.step, error)
    throw toBerthError(error)
  })
}

export function interrupted(step?: string, cause?: unknown): InterruptedError {
  return new InterruptedError('interrupted', step === undefined ? { cause } : { step, cause })
}

/** The environment every hook gets (`BERTH_*`), before the config's and the entry's own. */
export function hookEnvironment(
  ctx: RunContext,
  host: HostConfig,
  release: { id: string; revision: string; previous: string | null },
): Record<string, string> {
  return {
    BERTH_APP: ctx.config.app,
    BERTH_ENV: ctx.config.environment,
    BERTH_RELEASE: release.id,
    BERTH_RELEASE_PATH: ctx.layout.release(release.id),
    BERTH_PREVIOUS_RELEASE: release.previous ?? '',
    BERTH_REVISION: release.revision,
    BERTH_ROLES: host.roles.filter((role) => role !== 'all').join(','),
    BERTH_HOST: host.name,
    BERTH_DEPLOY_TO: ctx.config.deployTo,
  }
}

/** A warning for the run's reporter, about one host or (null) the run as a whole. */
export function warn(ctx: RunContext, run: HostRun | null, message: string): void {
  ctx.report({ kind: 'log', level: 'warn', message, ...(run ? { host: run.host.name } : {}) })
}
