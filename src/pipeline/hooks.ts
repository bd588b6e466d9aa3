/**
 * Which hook entries run where, as plain data. For a hook name this yields, in order:
 * the config's entries (each on the hosts its `roles`/`hosts`/`once` select, or once on
 * the deploying machine when `local`), then executables from the release's own `deploy/`
 * directory (on every host). Commands are shell text: the user's `run` is shell by design;
 * every value berth adds is quoted.
 */
import { posix } from 'node:path'
import type { HookEntry, HookName, HostConfig, ResolvedConfig } from '../config/types.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'

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
      invocations.push(invocationFor(hook, entry, host.name, context.defaultCwd, context.allowMissingCwd === true))
    }
  })
  for (const file of context.repoHooks.get(hook) ?? []) {
    for (const host of hosts) {
      invocations.push({
        hook,
        source: file,
        host: host.name,
        command: `cd ${q(context.defaultCwd)} && ${shellJoin([`./${file}`])}`,
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
  const script = entry.http !== undefined ? httpProbe(entry.http, entry.timeoutMs ?? 30_000) : withPrefix(entry)
  // sudo -E keeps the hook's environment (secrets travel there, never in argv); -n fails
  // at once instead of waiting for a password nobody can type.
  const body = entry.become === undefined ? script : `exec sudo -n -E -u ${q(entry.become)} -- sh -c ${q(script)}`
  const enter = allowMissingCwd ? `mkdir -p ${q(baseDir)} && cd ${q(cwd)}` : `cd ${q(cwd)}`
  const invocation: HookInvocation = {
    hook,
    source: entry.source,
    host,
    command: `${enter} || exit 1\n${body}`,
    display: entry.http !== undefined ? `http ${entry.http}` : withPrefix(entry),
    cwd,
    env: entry.env,
  }
  // An http probe enforces its own deadline; the transport timeout is a backstop.
  const timeoutMs = entry.http !== undefined ? (entry.timeoutMs ?? 30_000) + 15_000 : entry.timeoutMs
  if (timeoutMs !== undefined) invocation.timeoutMs = timeoutMs
  return invocation
}

function withPrefix(entry: HookEntry): string {
  const run = entry.run ?? ''
  return entry.prefix === undefined ? run : `${entry.prefix} ${run}`
}

/**
 * Polls a URL from the host until it answers 2xx or the deadline passes. Uses curl or
 * wget, whichever the host has (hosts are not required to have either until they use it).
 */
function httpProbe(url: string, timeoutMs: number): string {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000))
  return [
    `url=${q(url)}; deadline=$(( $(date +%s) + ${seconds} )); status=none`,
    `while :; do`,
    `  if command -v curl >/dev/null 2>&1; then status=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url") || status="no answer";`,
    `  elif command -v wget >/dev/null 2>&1; then if wget -q -T 5 -O /dev/null "$url"; then status=200; else status="no 2xx answer"; fi;`,
    `  else echo 'berth: the http check needs curl or wget on the host' >&2; exit 127; fi`,
    `  case "$status" in 2??) echo "$url answered $status"; exit 0;; esac`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "$url: $status after ${seconds}s" >&2; exit 1; fi`,
    `  sleep 1`,
    `done`,
  ].join('\n')
}
