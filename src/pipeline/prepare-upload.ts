/**
 * The `upload` strategy's work on the deploying machine, once per deploy: read the commit
 * from git (or, with `build` steps, export it and run them, reported like hooks), then
 * pack for each host only what its live release lacks (see `delivery/upload.ts`).
 */
import type { HostBase, ReleaseSource, Shipment } from '../delivery/upload.js'
import { prepareShipments } from '../delivery/upload.js'
import { readGitSource } from '../delivery/git-source.js'
import { cacheManifest, readCachedManifest } from '../delivery/manifest-cache.js'
import { serializeManifest } from '../delivery/manifest.js'
import { readLiveFiles } from '../release/inspect.js'
import { stagedSource } from '../delivery/tarball.js'
import { buildReleaseTree, type ReleaseTree } from '../delivery/tree.js'
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
  /** The commit read from git, when already under way (no build steps). */
  source?: Promise<ReleaseSource | undefined> | null
}

/** Null for the `git` strategy, where hosts fetch for themselves. */
export async function prepareUpload(ctx: RunContext, runs: DeployRun[], input: UploadInput): Promise<Map<string, Shipment> | null> {
  const { config } = ctx
  if (config.strategy !== 'upload') return null
  const bases = await Promise.all(runs.filter((run) => run.failed === null).map((run) => hostBase(ctx, run)))
  // Without build steps the release is exactly the commit: read it from git, no checkout.
  if (config.build.length === 0) {
    const source = (await input.source) ?? (await readGitSource(input.repoDir, input.sha, config.subdir))
    return ship(source, bases, input)
  }
  const tree = await buildLocally(ctx, input)
  try {
    return await ship(await stagedSource(tree, input.workDir), bases, input)
  } finally {
    await tree.dispose()
  }
}

async function ship(source: ReleaseSource, bases: HostBase[], input: UploadInput): Promise<Map<string, Shipment>> {
  const shipments = await prepareShipments(source, bases, input.workDir, input.release)
  await cacheManifest(serializeManifest(source.manifest))
  return shipments
}

/**
 * What a host's live release holds: its file list from this machine's cache when the host
 * reports a hash that is there, else read from the host (one more round trip, that host only).
 */
async function hostBase(ctx: RunContext, run: DeployRun): Promise<HostBase> {
  const live = run.state?.current ?? null
  const gzip = run.state?.gzip === true
  if (live === null || run.state?.currentHasFiles !== true) return { host: run.host.name, live, files: null, gzip }
  const sum = run.state.currentFilesSum
  const text = (sum === null ? null : await readCachedManifest(sum)) ?? (await execOn(ctx, run, readLiveFiles(ctx.layout, live), { step: 'fetch' })).stdout
  return { host: run.host.name, live, files: text.split('\n'), gzip }
}

/** Exports the commit and runs the config's `build` steps in it, reported like hooks. */
function buildLocally(ctx: RunContext, input: UploadInput): Promise<ReleaseTree> {
  const { config } = ctx
  const local: HostRun = {
    host: { name: 'local', host: 'localhost', roles: ['all'], primary: false, transport: 'local' },
    transport: new LocalTransport('local'),
    state: null,
    failed: null,
  }
  return buildReleaseTree({
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
}
