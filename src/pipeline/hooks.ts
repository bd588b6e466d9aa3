/**
 * Which hook entries run where, as plain data. For a hook name this yields, in order:
 * the config's entries (each on the hosts its `roles`/`hosts`/`once` select, or once on
 * the deploying machine when `local`), then executables from the release's own `deploy/`
 * directory (on every host). Commands are shell text: the user's `run` is shell by design;
 * every value berth adds is quoted.
 */
import { posix } from 'node:path'
import type { HookEntry, HookName, HostConfig, ResolvedConfig } from '../config/types.js'
import type { Layout } from '../release/layout.js'
import { hookScript, httpProbe, runExecutable } from '../remote/hooks.js'
import { recordInstalled } from '../remote/reuse.js'
import { script } from '../remote/script.js'

export interface HookInvocation {
  hook: HookName
  /** `hooks.restart[0]`, or `deploy/restart.sh` for in-repo hooks. */
  source: string
  /** Host name, or null for entries that run on the deploying machine. */
  host: string | null
  command: string
  /** What users see: the entry's `run`/`http` text or the in-repo file. */
  display: string
  /** Working directory: absolute (on the host, or locally for `local` entries). */
  cwd: string
  env: Record<string, string>
  timeoutMs?: number
  /** The `reuse` directories the entry installs: it is skipped on a host that took them all from the live release. */
  installs?: string[]
}

export interface HookContext {
  config: ResolvedConfig
  /** Hosts this run works on, in config order. */
  hosts: HostConfig[]
  /** Directory hooks run in by default (the release, or deployTo before it exists). */
  defaultCwd: string
  /** In-repo hook files (relative paths inside the release) by hook name. */
  repoHooks: ReadonlyMap<HookName, readonly string[]>
  /**
   * Create `defaultCwd` when it is missing: `before_lock` runs in deployTo before anything,
   * not even the lock, has created it on a fresh host.
   */
  allowMissingCwd?: boolean
  /** The release whose dependency keys an `installs` entry completes once it succeeded (`remote/reuse.ts`). */
  installsInto?: { layout: Layout; release: string }
}

export function selectHosts(entry: Pick<HookEntry, 'roles' | 'hosts' | 'once'>, hosts: HostConfig[]): HostConfig[] {
  const selected = hosts.filter(
    (host) =>
      (entry.roles === undefined || entry.roles.some((role) => host.roles.includes(role))) &&
      (entry.hosts === undefined || entry.hosts.includes(host.name)),
  )
  if (!entry.once || selected.length === 0) return selected
  return [selected.find((host) => host.primary) ?? selected[0]!]
}

export function planHook(hook: HookName, context: HookContext): HookInvocation[] {
  const { config, hosts } = context
  const invocations: HookInvocation[] = []
  config.hooks[hook].forEach((entry) => {
    if (entry.local) {
      if (selectHosts({ ...entry, once: false }, hosts).length === 0) return
      invocations.push(invocationFor(hook, entry, null, config.rootDir))
      return
    }
    for (const host of selectHosts(entry, hosts)) {
      invocations.push(withInstalls(invocationFor(hook, entry, host.name, context.defaultCwd, context.allowMissingCwd === true), entry, context))
    }
  })
  for (const file of context.repoHooks.get(hook) ?? []) {
    for (const host of hosts) {
      invocations.push({
        hook,
        source: file,
        host: host.name,
        command: runExecutable(context.defaultCwd, file),
        display: file,
        cwd: context.defaultCwd,
        env: {},
      })
    }
  }
  return invocations
}

function invocationFor(hook: HookName, entry: HookEntry, host: string | null, baseDir: string, allowMissingCwd = false): HookInvocation {
  const cwd = entry.cwd === undefined ? baseDir : posix.resolve(baseDir, entry.cwd)
  const body = entry.http !== undefined ? httpProbe(entry.http, entry.timeoutMs ?? 30_000) : withPrefix(entry)
  const invocation: HookInvocation = {
    hook,
    source: entry.source,
    host,
    command: hookScript({ cwd, body, ...(allowMissingCwd ? { create: baseDir } : {}), ...(entry.become === undefined ? {} : { become: entry.become }) }),
    display: entry.http !== undefined ? `http ${entry.http}` : withPrefix(entry),
    cwd,
    env: entry.env,
  }
  // An http probe enforces its own deadline; the transport timeout is a backstop.
  const timeoutMs = entry.http !== undefined ? (entry.timeoutMs ?? 30_000) + 15_000 : entry.timeoutMs
  if (timeoutMs !== undefined) invocation.timeoutMs = timeoutMs
  return invocation
}

/** A hook that installs `reuse` directories records their keys once it succeeded (in a subshell: its own `exit` ends only it). */
function withInstalls(invocation: HookInvocation, entry: HookEntry, context: HookContext): HookInvocation {
  if (entry.installs === undefined || context.installsInto === undefined) return invocation
  const { layout, release } = context.installsInto
  return { ...invocation, installs: entry.installs, command: script(`( ${invocation.command}\n) || exit $?`, recordInstalled(layout, release, entry.installs)) }
}

function withPrefix(entry: HookEntry): string {
  const run = entry.run ?? ''
  return entry.prefix === undefined ? run : `${entry.prefix} ${run}`
}
