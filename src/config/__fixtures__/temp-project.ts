/** Temp project directories for the config tests. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { onTestFinished } from 'vitest'
import { loadConfig } from '../load.js'
import { resolveEnvironment } from '../resolve.js'
import type { ResolvedConfig } from '../types.js'

/**
 * Writes `files` (path → content) into a fresh directory and returns its real path. The
 * directory is removed when the test that made it finishes (so call this inside a test).
 */
export function writeProject(files: Record<string, string>, options: { isGitRepo?: boolean } = {}): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'berth-config-')))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    writeFileSync(path.join(dir, name), content)
  }
  if (options.isGitRepo === true) execFileSync('git', ['init', '-q', dir])
  return dir
}

/** Strips the common indentation of a template literal, so YAML can be written inline. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((all, part, i) => all + part + (i < values.length ? String(values[i]) : ''), '').replace(/^\n/, '')
  const indent = Math.min(...text.split('\n').filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0))
  return text
    .split('\n')
    .map((line) => line.slice(indent))
    .join('\n')
}

/** The `production` environment of `berthYml`, written into a fresh project and resolved with no deployer environment. */
export async function resolveProduction(berthYml: string): Promise<ResolvedConfig> {
  const dir = writeProject({ 'berth.yml': berthYml })
  return resolveEnvironment(await loadConfig({ cwd: dir }), 'production', { processEnv: {} })
}

/** The message of the error `resolving` rejects with; a config that resolves fails the test. */
export async function configProblems(resolving: Promise<unknown>): Promise<string> {
  try {
    await resolving
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}
