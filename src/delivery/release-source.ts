/**
 * The release tree a delivery ships, as the upload and the store read it alike: the
 * commit as git holds it, or exported and built once per set of build inputs
 * (`build-once.ts`), or an artifact given by `promote`.
 */
import { builtSource } from './build-once.js'
import { readGitSource } from './git-source.js'
import type { DeliveryContext, DeliveryInput } from './strategy.js'
import { treeSource } from './tarball.js'
import type { ReleaseTree } from './tree.js'
import type { ReleaseSource } from './upload.js'

/** One run's tree. */
export interface OpenedSource {
  /** The tree is known before the lock (the commit as it is, an artifact): work on it may start at once. */
  isKnownEarly: boolean
  /** The tree, read (or built) on the first call. */
  read(): Promise<ReleaseSource>
  /** Frees a build's staging tree; call once what needed it is done. Safe to call twice. */
  dispose(): Promise<void>
}

/**
 * A strategy keeps one opener for its run: the commit as git holds it is read once even
 * when the release is renamed and the delivery started again.
 */
export function createSourceOpener(): (ctx: DeliveryContext, input: DeliveryInput) => OpenedSource {
  const commits = new Map<string, Promise<ReleaseSource>>()
  const gitSource = (input: DeliveryInput, subdir: string | undefined, cacheDir: string): Promise<ReleaseSource> => {
    let source = commits.get(input.sha)
    if (source === undefined) {
      source = readGitSource(input.repoDir, input.sha, subdir, cacheDir)
      // Awaited when a stream is packed; a run that stops first must not see it as unhandled.
      source.catch(() => {})
      commits.set(input.sha, source)
    }
    return source
  }
  return (ctx, input) => {
    const { config } = ctx
    const { artifact } = input
    const isCommitAsIs = artifact === undefined && config.build.length === 0
    if (isCommitAsIs) void gitSource(input, config.subdir, ctx.cacheDir)
    let built: ReleaseTree | undefined
    let source: Promise<ReleaseSource> | undefined
    const readSource = async (): Promise<ReleaseSource> => {
      if (artifact !== undefined) return treeSource(artifact.root, artifact.manifest, input.workDir)
      if (isCommitAsIs) return gitSource(input, config.subdir, ctx.cacheDir)
      return builtSource(ctx, input, (tree) => (built = tree))
    }
    return {
      isKnownEarly: isCommitAsIs || artifact !== undefined,
      read: () => (source ??= readSource()),
      async dispose() {
        await built?.dispose()
        built = undefined
      },
    }
  }
}
