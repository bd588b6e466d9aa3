/**
 * What makes two builds the same build (README, "Artifacts and the cache"): the commit, the
 * `subdir`, every `build` step (command, `cwd`, `include`), and the environment berth gives
 * the build: the config's `env` (values included), `BERTH_APP`, `BERTH_ENV` and
 * `BERTH_REVISION`. A deploy whose key matches a build this machine kept ships that
 * artifact and does not build again. The deployer's own shell environment (PATH, tool
 * versions) is not part of it: `berth cache clear` forces a fresh build.
 */
import { createHash } from 'node:crypto'
import type { ResolvedConfig } from '../config/types.js'

/** The variables a local build sees besides the deployer's own environment. */
export function buildEnvironment(config: ResolvedConfig, sha: string): Record<string, string> {
  return { ...config.env, BERTH_APP: config.app, BERTH_ENV: config.environment, BERTH_REVISION: sha }
}

/** sha256 of the build's inputs (secret values are hashed in, never stored). */
export function buildKey(config: ResolvedConfig, sha: string): string {
  const env = Object.entries(buildEnvironment(config, sha)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const steps = config.build.map((step) => [step.run, step.cwd ?? '', step.include])
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, sha, subdir: config.subdir ?? '', steps, env }))
    .digest('hex')
}
