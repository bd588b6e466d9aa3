/**
 * Tagging what went live (README, "Tagging what goes live"): after a deploy succeeded on
 * every host, an annotated tag on the deployed commit in the local repository, pushed to
 * the configured remote when asked. It is part of the deploy's close, so every command
 * that ends in one (deploy, promote) tags the same way. The deploy is already live: a tag
 * that cannot be made or pushed is a warning, never a failed deploy.
 */
import type { TagConfig } from '../config/types.js'
import { git } from '../delivery/local-git.js'
import { toBerthError } from '../errors.js'
import { nextTagName } from '../release/tag-name.js'
import { warn, type RunContext } from './context.js'

/** A tag as the plan shows it, and as the run makes it. */
export interface PlannedTag {
  name: string
  push?: string
}

/** A push that hangs (a remote asking for a password nobody types) must not hold the lock forever. */
const PUSH_TIMEOUT_MS = 120_000
/** Two deploys tagging at once may pick the same `{n}`: the later one takes the next. */
const ATTEMPTS = 5

async function tagsIn(repoDir: string): Promise<string[]> {
  return (await git(['for-each-ref', '--format=%(refname:strip=2)', 'refs/tags'], repoDir, { step: 'tag' })).split('\n').filter((line) => line !== '')
}

/** The tag the deploy would make now, for the plan. */
export async function planTag(repoDir: string, tag: TagConfig, at: Date): Promise<PlannedTag> {
  return withPush({ name: nextTagName(tag.name, at, await tagsIn(repoDir)) }, tag)
}

function withPush(planned: PlannedTag, tag: TagConfig): PlannedTag {
  return tag.push === undefined ? planned : { ...planned, push: tag.push }
}

/**
 * Makes the tag (and pushes it); returns its name, or null when it could not be made
 * (said as a warning). A push that fails leaves the tag made: it is said, and the name returned.
 */
export async function tagDeploy(ctx: RunContext, repoDir: string, sha: string, release: string): Promise<string | null> {
  const tag = ctx.config.tag
  if (tag === undefined) return null
  const message = `berth: ${ctx.config.app} deployed to ${ctx.config.environment} as release ${release}`
  let name: string | null = null
  try {
    const env = await committer(ctx, repoDir)
    for (let attempt = 1; name === null; attempt++) {
      const candidate = nextTagName(tag.name, ctx.now(), await tagsIn(repoDir))
      try {
        await git(['tag', '--annotate', '--message', message, '--end-of-options', candidate, sha], repoDir, { env, step: 'tag' })
        name = candidate
      } catch (error) {
        // Taken meanwhile (another deploy tagged the same month): count again, a few times.
        const taken = (await tagsIn(repoDir)).includes(candidate)
        if (!taken || attempt >= ATTEMPTS || !tag.name.includes('{n}')) throw error
      }
    }
  } catch (error) {
    warn(ctx, null, `could not tag ${sha.slice(0, 12)}: ${firstLine(error)} (the deploy itself succeeded)`)
    return null
  }
  if (tag.push === undefined) {
    ctx.report({ kind: 'tag:made', tag: name, sha })
    return name
  }
  try {
    // GIT_TERMINAL_PROMPT=0: a remote wanting a password fails instead of waiting for one.
    // berth's mirror of a `repo:` URL is a mirror clone, whose push would refuse to name one ref.
    await git(['-c', `remote.${tag.push}.mirror=false`, 'push', '--quiet', '--end-of-options', tag.push, `refs/tags/${name}`], repoDir, { env: { GIT_TERMINAL_PROMPT: '0' }, signal: ctx.signal, timeoutMs: PUSH_TIMEOUT_MS, step: 'tag' })
    ctx.report({ kind: 'tag:made', tag: name, sha, pushedTo: tag.push })
  } catch (error) {
    ctx.report({ kind: 'tag:made', tag: name, sha })
    const why = ctx.signal.aborted ? 'interrupted' : firstLine(error)
    warn(ctx, null, `tagged ${sha.slice(0, 12)} as ${name}, but could not push it to ${tag.push}: ${why} (push it with: git push ${tag.push} ${name})`)
  }
  return name
}

/** git's own first line says what went wrong; the rest is advice for its own prompt. */
function firstLine(error: unknown): string {
  return toBerthError(error).message.split('\n')[0]!
}

/**
 * An annotated tag names who made it. Where git knows no one (a CI runner, a fresh
 * machine), the deploy's own identity stands in rather than the tag failing.
 */
async function committer(ctx: RunContext, repoDir: string): Promise<NodeJS.ProcessEnv | undefined> {
  const known = await git(['var', 'GIT_COMMITTER_IDENT'], repoDir, { step: 'tag' }).then(
    () => true,
    () => false,
  )
  if (known) return undefined
  const { user, machine } = ctx.identity
  return { GIT_COMMITTER_NAME: user, GIT_COMMITTER_EMAIL: `${user}@${machine}` }
}
