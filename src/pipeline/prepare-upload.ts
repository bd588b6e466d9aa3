/**
 * The `upload` strategy's work on the deploying machine, once per deploy: read the commit
 * from git (or, with `build` steps, export it and run them, reported like hooks), then
 * pack for each host only what its live release lacks (see `delivery/upload.ts`).
 */
import type { HostBase, ReleaseSource, Shipment } from '../delivery/upload.js'
import { createShipper } from '../delivery/upload.js'
import { readGitSource } from '../delivery/git-source.js'
import { liveCacheKey, readLiveGuess, recordLiveGuess } from '../delivery/live-cache.js'
import { cacheManifest, manifestSum, readCachedManifest } from '../delivery/manifest-cache.js'
import { inDirectory } from '../remote/hooks.js'
import { readLiveFiles } from '../remote/inspect.js'
import { stagedSource } from '../delivery/tarball.js'
import { buildReleaseTree, type ReleaseTree } from '../delivery/tree.js'
import { HookError, toBerthError } from '../errors.js'
import { LocalTransport } from '../transport/local.js'
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

/** The upload of one release to the hosts of a run: packing may start before the hosts answer. */
export interface Upload {
  /** Each host's stream, packed against the live release it reported under the lock. */
  shipments(runs: DeployRun[]): Promise<Map<string, Shipment>>
  /** Remembers, for the hosts now live on this release, what the next deploy will find there. */
  recordLive(runs: DeployRun[]): Promise<void>
  /** Waits for any packing still under way (a guess nobody used) and frees the build tree. */
  close(): Promise<void>
}

/**
 * Null for the `git` strategy, where hosts fetch for themselves. Without build steps the
 * release is exactly the commit, read from git (no checkout), and each host's stream is
 * packed at once for the release this machine last left live there (`live-cache.ts`):
 * while the connections are still being made, not after the lock's answer.
 */
export function startUpload(ctx: RunContext, runs: DeployRun[], input: UploadInput): Upload | null {
  const { config } = ctx
  if (config.strategy !== 'upload') return null
  const isCommitAsIs = config.build.length === 0
  let built: ReleaseTree | undefined
  const readSource = async (): Promise<ReleaseSource> => {
    if (isCommitAsIs) return (await input.source) ?? (await readGitSource(input.repoDir, input.sha, config.subdir))
    built = await buildLocally(ctx, input)
    return stagedSource(built, input.workDir)
  }
  let source: Promise<ReleaseSource> | undefined
  const getSource = (): Promise<ReleaseSource> => (source ??= readSource())
  const shipper = createShipper(getSource, input.workDir, input.release)
  // Build steps run only under the lock: with them, nothing is packed before it.
  const guesses = isCommitAsIs ? runs.map((run) => guessBase(ctx, run).then((base) => base && shipper.shipFor(base)).catch(() => {})) : []
  let shipped = false
  return {
    async shipments(locked) {
      try {
        const bases = await Promise.all(locked.filter((run) => run.failed === null).map((run) => hostBase(ctx, run)))
        const shipments = new Map(await Promise.all(bases.map(async (base) => [base.host, await shipper.shipFor(base)] as const)))
        await cacheManifest(await shipper.listing())
        shipped = true
        return shipments
      } finally {
        await built?.dispose()
        built = undefined
      }
    },
    async close() {
      await Promise.all(guesses)
      await shipper.settled()
      await built?.dispose()
    },
    async recordLive(live) {
      if (!shipped) return
      const sum = manifestSum(await shipper.listing())
      await Promise.all(live.map((run) => recordLiveGuess(liveCacheKey(run.host, config.deployTo), { live: input.release, sum, gzip: run.state?.gzip === true })))
    },
  }
}

/** The base this machine last left live on the host, when its file list is still cached here. */
async function guessBase(ctx: RunContext, run: DeployRun): Promise<HostBase | null> {
  const guess = await readLiveGuess(liveCacheKey(run.host, ctx.config.deployTo))
  const text = guess === null ? null : await readCachedManifest(guess.sum)
  return guess === null || text === null ? null : { host: run.host.name, live: guess.live, files: text.split('\n'), gzip: guess.gzip }
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
        await execOn(ctx, local, inDirectory(cwd, command), { step: 'fetch', env, display: command, showOutput: true })
      } catch (error) {
        throw new HookError('build (local)', toBerthError(error), { host: 'local', step: 'fetch' })
      }
      ctx.report({ kind: 'hook:done', host: 'local', hook: 'build (local)', durationMs: performance.now() - t0 })
    },
  })
}
