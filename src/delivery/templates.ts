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
  /**
   * Reads a template by its path in the deployed tree, when it does not come from the commit
   * (a promote reads the release's artifact). null: no such file.
   */
  read?: (src: string) => Promise<string | null>
}

export async function renderTemplates(config: ResolvedConfig, repoDir: string, sha: string, options: RenderOptions = {}): Promise<RenderedTemplates | undefined> {
  if (config.templates.length === 0) return undefined
  const file = posix.basename(config.configFile)
  // Read at once, reported in the config's order.
  const results = await Promise.all(
    config.templates.map(async (template): Promise<{ text: string; issues: ConfigIssue[] }> => {
      const issues: ConfigIssue[] = []
      const inRepo = config.subdir === undefined ? template.src : posix.join(config.subdir, template.src)
      const source = options.read ? await options.read(template.src) : await git(['cat-file', 'blob', `${sha}:${inRepo}`], repoDir).catch(() => null)
      if (source === null) {
        const where = options.read ? `the release's tree` : `the deployed commit ${sha.slice(0, 7)}`
        issues.push({ file, path: `${template.source}.src`, message: `${inRepo} is not a file in ${where}: commit it, or fix the path` })
        return { text: '', issues }
      }
      // Only `env` and the secrets: the rest of this machine's environment is not the app's.
      // Line by line, so a problem names its line (and quotes that line, not the whole file).
      const lines = source.split('\n').map((line) => interpolate(line, config.env))
      lines.forEach((line, i) => {
        for (const problem of line.problems) issues.push({ file, path: `${template.source}.src`, message: `${inRepo}:${i + 1}: ${problem}` })
      })
      for (const name of options.allowUnset ? [] : [...new Set(lines.flatMap((line) => line.missing))]) {
        issues.push({ file, path: `${template.source}.src`, message: `${inRepo} uses \${${name}}, which is not set: name it under env or secrets, with a value in the deploying environment (or write \${${name}:-default})` })
      }
      return { text: lines.map((line) => line.value).join('\n'), issues }
    }),
  )
  const issues = results.flatMap((result) => result.issues)
  if (issues.length > 0) throw new ConfigError(issues, { hint: 'nothing was changed on any host' })
  const entries = results.map((result, i) => ({ name: String(i), mode: 0o600, content: result.text }))
  return { dests: config.templates.map((template) => template.dest), open: () => tarOf(entries) }
}
