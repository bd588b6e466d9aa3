/**
 * After a rollback (`berth rollback`, or the revert of a deploy whose restart or verify
 * failed) the app must run the release that is live again, not stay stopped or keep
 * serving the release it left: the config's `restart` hooks run in that release, then its
 * `verify` hooks (README, "Rolling back").
 */
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { runHookOnHost, type ReleaseInfo } from './actions.js'
import type { HostRun, RunContext } from './context.js'
import { planHook, type HookInvocation } from './hooks.js'

/** The hooks, in the order they run: every `restart` entry, then every `verify` entry. */
export const RESTART_HOOKS = ['restart', 'verify'] as const

/**
 * The `restart` and `verify` invocations for `hosts` (planned together, so a `once` entry
 * runs on one of them), in the release directory that is live again.
 */
export function planRestart(config: ResolvedConfig, hosts: HostConfig[], releaseDir: string): HookInvocation[] {
  return RESTART_HOOKS.flatMap((hook) => planHook(hook, { config, hosts, defaultCwd: releaseDir, repoHooks: new Map() }))
}

/**
 * Runs this host's share of `invocations`, in order; the first failure stops it (a verify
 * after a failed restart would only fail again) and is thrown as the hook's `HookError`.
 */
export async function restartOnHost(ctx: RunContext, run: HostRun, invocations: HookInvocation[], release: ReleaseInfo, cleanup: boolean): Promise<void> {
  for (const invocation of invocations) {
    if (invocation.host === run.host.name) await runHookOnHost(ctx, run, invocation, release, { cleanup })
  }
}
