/**
 * `run ENV -- CMD`: an ad-hoc command on the selected hosts, in the live release (or in
 * deployTo when nothing is live yet), with its output per host.
 */
import type { HostConfig, ResolvedConfig } from '../config/types.js'
import { inLiveRelease } from '../remote/hooks.js'
import type { RunOptions } from './context.js'
import { onEachHost, type PerHost } from './fleet-read.js'

export interface AdhocResult {
  exitCode: number | null
  stdout: string
  stderr: string
}

export function runAdhoc(config: ResolvedConfig, command: string, options: RunOptions = {}): Promise<PerHost<AdhocResult>[]> {
  return onEachHost(
    config,
    options,
    () => inLiveRelease(config.deployTo, command),
    (result) => ({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }),
    (host) => ({ step: 'run', display: command, showOutput: true, allowFailure: true, env: { ...adhocEnvironment(config, host), ...config.env } }),
  )
}

/**
 * What hooks know about where they run (the `BERTH_*` variables), minus the release: a
 * command may run before any deploy.
 */
function adhocEnvironment(config: ResolvedConfig, host: HostConfig): Record<string, string> {
  return {
    BERTH_APP: config.app,
    BERTH_ENV: config.environment,
    BERTH_ROLES: host.roles.filter((role) => role !== 'all').join(','),
    BERTH_HOST: host.name,
    BERTH_DEPLOY_TO: config.deployTo,
  }
}
