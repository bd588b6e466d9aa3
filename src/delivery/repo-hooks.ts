/**
 * Hooks that live in the app's own repo: executable files in the release's `deploy/`
 * directory named after a hook (`deploy/before_migrate`, `deploy/after_switch.sh`), found
 * from the commit itself so the plan can show them before anything runs. A script that
 * looks meant as a hook but would not run (misnamed, or committed without its x bit) is
 * told through `warn`: skipping it without a word left people wondering why it never ran.
 * A promoted release's hooks are found the same way in its file list.
 */
import { closestMatch } from '../config/did-you-mean.js'
import { HOOK_ALIASES, HOOK_NAMES, type HookName } from '../config/types.js'
import { git } from './local-git.js'
import type { Manifest } from './manifest.js'

/** Names a script in deploy/ may have: no extension, or a script language's. */
const SCRIPT = /^[^.]+(\.(sh|bash|zsh|py|rb|pl|js|mjs|ts|php))?$/

export async function findRepoHooks(repoDir: string, sha: string, subdir?: string, warn: (message: string) => void = () => {}): Promise<Map<HookName, string[]>> {
  const prefix = subdir === undefined ? '' : `${subdir.replace(/\/+$/, '')}/`
  const out = await git(['ls-tree', '-z', `${sha}:${prefix}deploy`], repoDir).catch(() => '')
  const entries = out.split('\0').map((entry): DeployDirEntry => {
    const [meta = '', name = ''] = entry.split('\t')
    const isFile = meta.startsWith('100644 blob ') || meta.startsWith('100755 blob ')
    return { name, isFile, isExecutable: meta.startsWith('100755 blob ') }
  })
  return hooksIn(entries, `${prefix}deploy/`, warn)
}

/** The same, from a release's file list (an artifact being promoted: no git is read). */
export function findListedHooks(manifest: Manifest, warn: (message: string) => void = () => {}): Map<HookName, string[]> {
  const entries: DeployDirEntry[] = []
  for (const entry of manifest.values()) {
    const name = entry.path.slice('deploy/'.length)
    if (!entry.path.startsWith('deploy/') || name.includes('/')) continue
    entries.push({ name, isFile: entry.type === 'file', isExecutable: entry.type === 'file' && (entry.mode & 0o111) !== 0 })
  }
  return hooksIn(entries, 'deploy/', warn)
}

interface DeployDirEntry {
  name: string
  isFile: boolean
  isExecutable: boolean
}

function hooksIn(entries: DeployDirEntry[], shownAs: string, warn: (message: string) => void): Map<HookName, string[]> {
  const hooks = new Map<HookName, string[]>()
  for (const entry of entries) {
    const hook = hookNameOf(entry.name)
    const problem = notRunning(entry, hook)
    if (problem !== undefined) warn(`${shownAs}${entry.name} ${problem}`)
    // Only executable files are hooks; anything else in deploy/ is data.
    if (!entry.isExecutable || hook === undefined) continue
    hooks.set(hook, [...(hooks.get(hook) ?? []), `deploy/${entry.name}`])
  }
  for (const files of hooks.values()) files.sort()
  return hooks
}

/** Why a script in deploy/ that looks like a hook will not run, or undefined. */
function notRunning(entry: DeployDirEntry, hook: HookName | undefined): string | undefined {
  if (!entry.isFile || !SCRIPT.test(entry.name)) return undefined
  if (hook === undefined) {
    const meant = closestMatch(baseOf(entry.name), [...HOOK_NAMES, ...Object.keys(HOOK_ALIASES)])
    return meant === undefined ? undefined : `is not a hook name, so it never runs (did you mean "${meant}"?)`
  }
  if (!entry.isExecutable) return `is not executable, so the ${hook} hook does not run it: chmod +x it and commit`
  return undefined
}

function baseOf(file: string): string {
  return file.replace(/\.[A-Za-z0-9]+$/, '')
}

function hookNameOf(file: string): HookName | undefined {
  const base = baseOf(file)
  if ((HOOK_NAMES as readonly string[]).includes(base)) return base as HookName
  return HOOK_ALIASES[base]
}
