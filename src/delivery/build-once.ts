/**
 * The release tree of a config with `build` steps, built once per set of build inputs
 * (`artifact/build-key.ts`): a deploy whose inputs match a build this machine kept ships
 * that artifact; otherwise the commit is exported and built (`tree.ts`), and the result is
 * kept as an artifact for the next deploy and for `promote`.
 */
import { buildEnvironment, buildKey } from '../artifact/build-key.js'
import { pruneArtifacts } from '../artifact/prune.js'
import { findBuild, recordBuild, storeArtifact } from '../artifact/store.js'
import { hashTree } from './manifest.js'
import type { DeliveryContext, DeliveryInput } from './strategy.js'
import { treeSource } from './tarball.js'
import { buildReleaseTree, type ReleaseTree } from './tree.js'
import type { ReleaseSource } from './upload.js'

/** `hold` receives a staging tree the caller must dispose of once the tree is packed. */
export async function builtSource(ctx: DeliveryContext, input: DeliveryInput, hold: (tree: ReleaseTree) => void): Promise<ReleaseSource> {
  const key = buildKey(ctx.config, input.sha)
  const reused = await findBuild(ctx.cacheDir, key)
  if (reused !== null) {
    ctx.report({ kind: 'log', level: 'info', message: `the build of ${input.sha.slice(0, 7)} is in this machine's cache (artifact ${reused.id.slice(0, 12)}): not building again` })
    return treeSource(reused.root, reused.manifest, input.workDir)
  }
  const tree = await buildLocally(ctx, input)
  hold(tree)
  const manifest = await hashTree(tree.root, tree.paths)
  try {
    const artifact = await storeArtifact(ctx.cacheDir, tree.root, manifest)
    await recordBuild(ctx.cacheDir, key, artifact.id)
    await pruneArtifacts(ctx.cacheDir, ctx.cacheMaxBytes, artifact.id)
    return treeSource(artifact.root, artifact.manifest, input.workDir)
  } catch (error) {
    // A full or read-only cache costs the next deploy a build, never this one.
    ctx.report({ kind: 'log', level: 'warn', message: `the build could not be kept in this machine's cache (${(error as Error).message}): the next deploy builds again` })
    return treeSource(tree.root, manifest, input.workDir)
  }
}

/** Exports the commit and runs the config's `build` steps in it, reported like hooks. */
function buildLocally(ctx: DeliveryContext, input: DeliveryInput): Promise<ReleaseTree> {
  const { config } = ctx
  return buildReleaseTree({
    repoDir: input.repoDir,
    sha: input.sha,
    ...(config.subdir === undefined ? {} : { subdir: config.subdir }),
    build: config.build,
    cacheDir: ctx.cacheDir,
    runBuild: (command, cwd) => ctx.runLocal(command, cwd, buildEnvironment(config, input.sha)),
  })
}
