/**
 * `run ENV -- CMD`: an ad-hoc command on the selected hosts, in the live release (or in
 * deployTo when nothing is live yet), with its output per host.
 */
import type { ResolvedConfig } from '../config/types.js'
import { shellQuote as q } from '../transport/quote.js'
import type { RunOptions } from './context.js'
import { onEachHost, type PerHost } from './fleet-read.js'

export interface AdhocResult {
  exitCode: number | null
  stdout: string
  stderr: string
}

export function runAdhoc(config: ResolvedConfig, command: string, options: RunOptions = {}): Promise<PerHost<AdhocResult>[]> {
  const cwd = `cd ${q(`${config.deployTo}/current`)} 2>/dev/null || cd ${q(config.deployTo)} 2>/dev/null || cd`
  return onEachHost(
    config,
    options,
    () => `${cwd}\n${command}`,
    (result) => ({ exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }),
    { step: 'run', display: command, showOutput: true, allowFailure: true, env: config.env },
  )
}
