/**
 * Templates (README, "Templates"): each `src` read from the deployed commit (never the
 * working tree, so what is deployed is what was committed) and rendered on this machine
 * with `${VAR}` from the environment's `env` and secrets. A variable that is not set
 * refuses the deploy before anything changes. The rendered text stays in memory and
 * reaches the hosts only as a stream on stdin (`remote/templates.ts`).
 */
import { posix } from 'node:path'
import type { Readable } from 'node:stream'
import type { ResolvedConfig } from '../config/types.js'
import { interpolate } from '../config/interpolate.js'
import { ConfigError, type ConfigIssue } from '../errors.js'
import { git } from './local-git.js'
import { tarOf } from './tar-entries.js'

export interface RenderedTemplates {
  /** Where each template lands, relative to `shared/`, in the archive's order. */
  dests: string[]
  /** A new stream of the rendered files for each host (entries `0`, `1`, ..., mode 0600). */
  open(): Readable
}

export interface RenderOptions {
  /** A plan shows where templates go, never their text: unset variables do not stop it. */
  allowUnset?: boolean
}

export async function renderTemplates(config: ResolvedConfig, repoDir: string, sha: string, options: RenderOptions = {}): Promise<RenderedTemplates | undefined> {
  if (config.templates.length === 0) return undefined
  const issues: ConfigIssue[] = []
  const file = posix.basename(config.configFile)
  const texts = await Promise.all(
    config.templates.map(async (template) => {
      const inRepo = config.subdir === undefined ? template.src : posix.join(config.subdir, template.src)
      const source = await git(['cat-file', 'blob', `${sha}:${inRepo}`], repoDir).catch(() => null)
      if (source === null) {
        issues.push({ file, path: `${template.source}.src`, message: `${inRepo} is not a file in the deployed commit ${sha.slice(0, 7)}: commit it, or fix the path` })
        return ''
      }
      // Only `env` and the secrets: the rest of this machine's environment is not the app's.
      const result = interpolate(source, config.env)
      for (const problem of result.problems) issues.push({ file, path: `${template.source}.src`, message: `${inRepo}: ${problem}` })
      for (const name of options.allowUnset ? [] : [...new Set(result.missing)]) {
        issues.push({ file, path: `${template.source}.src`, message: `${inRepo} uses \${${name}}, which is not set: name it under env or secrets, with a value in the deploying environment (or write \${${name}:-default})` })
      }
      return result.value
    }),
  )
  if (issues.length > 0) throw new ConfigError(issues, { hint: 'nothing was changed on any host' })
  const entries = texts.map((content, i) => ({ name: String(i), mode: 0o600, content }))
  return { dests: config.templates.map((template) => template.dest), open: () => tarOf(entries) }
}
