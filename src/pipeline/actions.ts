/**
 * Carries out planned actions: hooks on a host, hooks on the deploying machine, each
 * reported as events and failing as a `HookError` that names the hook, host and command.
 */
import type { HostConfig } from '../config/types.js'
import { HookError, toBerthError } from '../errors.js'
import { trackedHook } from '../remote/lock-hooks.js'
import { LocalTransport } from '../transport/local.js'
import { execOn, hookEnvironment, type HostRun, type RunContext } from './context.js'
import type { HookInvocation } from './hooks.js'

export interface ReleaseInfo {
  id: string
  revision: string
  previous: string | null
}

export interface HookRunOptions {
  /**
   * The hook belongs to the cleanup of a run (`failed` hooks, `rollback` hooks after a revert):
   * it runs even when the run was interrupted, as the rest of the cleanup does.
   */
  cleanup?: boolean
}

export async function runHookOnHost(ctx: RunContext, run: HostRun, invocation: HookInvocation, release: ReleaseInfo, hookOptions: HookRunOptions = {}): Promise<void> {
  const env = { ...hookEnvironment(ctx, run.host, release), ...ctx.config.env, ...invocation.env }
  ctx.report({ kind: 'hook:start', host: run.host.name, hook: invocation.hook, command: invocation.display, local: false })
  const started = performance.now()
  const name = `${invocation.hook} (${invocation.source})`
  // On a host, the hook is recorded under the run's lock while it runs: if this run dies, no
  // other breaks that lock before the hook has ended (README, "What a deploy does": lock).
  const command = invocation.host === null ? invocation.command : trackedHook(ctx.layout, ctx.token, name, invocation.command)
  try {
    const options = { step: invocation.hook, env, display: invocation.display, showOutput: true, cleanup: hookOptions.cleanup === true }
    await execOn(ctx, run, command, invocation.timeoutMs === undefined ? options : { ...options, timeoutMs: invocation.timeoutMs })
  } catch (error) {
    throw new HookError(name, toBerthError(error), { host: run.host.name, step: invocation.hook })
  }
  ctx.report({ kind: 'hook:done', host: run.host.name, hook: invocation.hook, durationMs: performance.now() - started })
}

const LOCAL_HOST: HostConfig = { name: 'local', host: 'localhost', roles: ['all'], primary: false, transport: 'local' }

/** Runs `local: true` hooks on the deploying machine, once each, in order. */
export async function runLocalHooks(ctx: RunContext, invocations: HookInvocation[], release: ReleaseInfo, hosts: string[], options: HookRunOptions = {}): Promise<void> {
  if (invocations.length === 0) return
  const run: HostRun = { host: LOCAL_HOST, transport: new LocalTransport('local'), state: null, failed: null }
  for (const invocation of invocations) {
    await runHookOnHost(ctx, run, { ...invocation, env: { BERTH_HOSTS: hosts.join(','), ...invocation.env } }, release, options)
  }
}
