/**
 * The `upload` strategy's work on the deploying machine, once per deploy: export the
 * commit, run the local `build` commands (reported like hooks), then pack for each host
 * only what its live release lacks (see `delivery/upload.ts`).
 */
import type { Shipment } from '../delivery/upload.js'
import { prepareShipments } from '../delivery/upload.js'
import { buildReleaseTree } from '../delivery/tree.js'
import { HookError, toBerthError } from '../errors.js'
import { LocalTransport } from '../transport/local.js'
import { shellQuote } from '../transport/quote.js'
import { execOn, type HostRun, type RunContext } from './context.js'
import type { DeployRun } from './deploy-finish.js'

export interface UploadInput {
  repoDir: string
  sha: string
  release: string
  workDir: string
}

/** Null for the `git` strategy, where hosts fetch for themselves. */
export async function prepareUpload(ctx: RunContext, runs: DeployRun[], input: UploadInput): Promise<Map<string, Shipment> | null> {
  const { config } = ctx
  if (config.strategy !== 'upload') return null
  const local: HostRun = {
    host: { name: 'local', host: 'localhost', roles: ['all'], primary: false, transport: 'local' },
    transport: new LocalTransport('local'),
    state: null,
    failed: null,
  }
  const tree = await buildReleaseTree({
    repoDir: input.repoDir,
    sha: input.sha,
    ...(config.subdir === undefined ? {} : { subdir: config.subdir }),
    build: config.build,
    runBuild: async (command, cwd) => {
      const env = { ...config.env, BERTH_APP: config.app, BERTH_ENV: config.environment, BERTH_RELEASE: input.release, BERTH_REVISION: input.sha }
      ctx.report({ kind: 'hook:start', host: 'local', hook: 'build (local)', command, local: true })
      const t0 = performance.now()
      try {
        await execOn(ctx, local, `cd ${shellQuote(cwd)} && ${command}`, { step: 'fetch', env, display: command, showOutput: true })
      } catch (error) {
        throw new HookError('build (local)', toBerthError(error), { host: 'local', step: 'fetch' })
      }
      ctx.report({ kind: 'hook:done', host: 'local', hook: 'build (local)', durationMs: performance.now() - t0 })
    },
  })
  try {
    const bases = runs
      .filter((run) => run.failed === null)
      .map((run) => ({ host: run.host.name, live: run.state?.current ?? null, files: run.state?.currentFiles ?? null }))
    return await prepareShipments(tree, bases, input.workDir)
  } finally {
    await tree.dispose()
  }
}
