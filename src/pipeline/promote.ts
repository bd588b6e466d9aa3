/**
 * `promote FROM TO`: deploys to TO the release live on FROM (README, "Promoting a
 * release"): the same tree byte for byte, the same release id, through the same deploy core
 * as `deploy` (TO's lock, hooks, shared files, rollout and `onFailure`). No git is read and
 * nothing is built on this machine: the tree is the artifact FROM's release records, taken
 * from this machine's cache, else read from a FROM host and checked against its file list.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readArtifactFromHost } from '../artifact/from-host.js'
import { artifactId, openArtifact, type Artifact } from '../artifact/store.js'
import type { ResolvedConfig } from '../config/types.js'
import { parseManifest, type Manifest } from '../delivery/manifest.js'
import { findListedHooks } from '../delivery/repo-hooks.js'
import { uploadDeliveryFor } from '../delivery/strategies.js'
import { StateError, UsageError, toBerthError, type BerthError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import { parseHostState } from '../release/host-state.js'
import { inspectHost, readLiveFiles } from '../remote/inspect.js'
import { execOn, type HostRun, type RunContext } from './context.js'
import { deployFrom, type DeployOptions, type DeployResult } from './deploy.js'
import { withFleet } from './fleet-run.js'
import { pickRelease, type PickedRelease } from './promote-pick.js'

export interface PromoteOptions extends Omit<DeployOptions, 'ref'> {
  /** The release to promote (it must be on every FROM host). @default the one live on every FROM host */
  release?: string
}

/** `--hosts`/`--roles` select TO's hosts; every host of FROM is read. */
export async function promote(from: ResolvedConfig, to: ResolvedConfig, options: PromoteOptions = {}): Promise<DeployResult> {
  if (from.environment === to.environment) throw new UsageError(`promote takes a release from one environment to another: ${to.environment} is both`)
  return deployFrom(to, options, async (ctx) => {
    const found = await readFrom(from, options, ctx)
    ctx.report({ kind: 'log', level: 'info', message: `promoting ${found.release} (${found.record.revision.slice(0, 7)}) from ${from.environment}` })
    return {
      command: 'promote',
      sha: found.record.revision,
      ref: found.record.ref,
      repoDir: '',
      strategy: uploadDeliveryFor(to),
      release: found.release,
      promotedFrom: from.environment,
      ...(found.artifact === null ? {} : { artifact: found.artifact }),
      repoHooks: async (warn) => findListedHooks(found.manifest, warn),
      // Templates come from the release's own tree (no git is read); a plan shows only where they go.
      readFile: async (path) => (found.artifact === null ? '' : readTreeFile(found.artifact, path)),
    }
  })
}

/**
 * A file of the artifact's tree, as its list names it (a link, or a path the list lacks, is no
 * template): the store never keeps a file behind one of the list's own links.
 */
async function readTreeFile(artifact: Artifact, path: string): Promise<string | null> {
  return artifact.manifest.get(path)?.type === 'file' ? readFile(join(artifact.root, path), 'utf8') : null
}

interface Found extends PickedRelease {
  manifest: Manifest
  /** Null for a plan, which ships nothing. */
  artifact: Artifact | null
}

/** Reads FROM's hosts (every one of them), picks the release and finds its artifact. */
function readFrom(from: ResolvedConfig, options: PromoteOptions, to: RunContext): Promise<Found> {
  const { hosts: _hosts, roles: _roles, ...rest } = options
  return withFleet(from, { ...rest, cacheDir: to.cacheDir, connect: true }, async (fleet) => {
    const { ctx } = fleet
    await fleet.connectAll()
    const read = await settleAll(fleet.runs, ctx.concurrency, async (run) => ({ name: run.host.name, run, state: parseHostState((await execOn(ctx, run, inspectHost(ctx.layout), { step: 'inspect' })).stdout) }))
    const unread = read.flatMap((result) => (result.ok ? [] : [toBerthError(result.error)]))
    if (unread.length > 0) throw unread[0]!
    const states = read.flatMap((result) => (result.ok ? [result.value] : []))
    const picked = pickRelease(from.environment, states, options.release)
    const cached = picked.record.artifact === undefined ? null : await openArtifact(ctx.cacheDir, picked.record.artifact)
    if (cached !== null) return { ...picked, manifest: cached.manifest, artifact: cached }
    if (picked.record.artifact !== undefined) ctx.report({ kind: 'log', level: 'info', message: `artifact ${picked.record.artifact.slice(0, 12)} is not in this machine's cache (it was built elsewhere, or deployed without \`build\` steps, which keep no copy): reading it from ${from.environment}` })
    const errors: BerthError[] = []
    // The first host that holds the release intact gives it.
    for (const { run } of states) {
      try {
        const { id, manifest } = await fileList(ctx, run, picked)
        if (options.planOnly) return { ...picked, manifest, artifact: null }
        const artifact = await readArtifactFromHost(ctx.cacheDir, { host: run.host.name, layout: ctx.layout, release: picked.release, id, manifest }, async (command, stdin) => (await execOn(ctx, run, command, { step: 'fetch', stdin })).stdout)
        ctx.report({ kind: 'log', level: 'info', message: `read ${picked.release} from ${run.host.name} (${manifest.size} files, checked)` })
        return { ...picked, manifest, artifact }
      } catch (error) {
        const failure = toBerthError(error)
        errors.push(failure)
        ctx.report({ kind: 'log', level: 'warn', host: run.host.name, message: `${failure.message}: reading ${picked.release} from another ${from.environment} host` })
      }
    }
    throw errors.length === 1 ? errors[0]! : new StateError(`no ${from.environment} host could give release ${picked.release}: ${errors.map((e) => e.message).join('; ')}`)
  })
}

/** The release's file list on the host, checked against the artifact its record names. */
async function fileList(ctx: RunContext, run: HostRun, picked: PickedRelease): Promise<{ id: string; manifest: Manifest }> {
  const text = (await execOn(ctx, run, readLiveFiles(ctx.layout, picked.release), { step: 'inspect' })).stdout
  const manifest = text === '' ? null : parseManifest(text.split('\n'))
  const id = artifactId(text)
  if (manifest === null || (picked.record.artifact !== undefined && id !== picked.record.artifact)) {
    throw new StateError(`release ${picked.release} on ${run.host.name} has no intact file list`, {
      host: run.host.name,
      hint: 'a release delivered by the git strategy, or by a berth older than artifacts, cannot be promoted: deploy it again',
    })
  }
  return { id, manifest }
}
