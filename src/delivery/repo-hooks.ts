/**
 * Hooks that live in the app's own repo: executable files in the release's `deploy/`
 * directory named after a hook (`deploy/before_migrate`, `deploy/after_switch.sh`), found
 * from the commit itself so the plan can show them before anything runs.
 */
import { HOOK_ALIASES, HOOK_NAMES, type HookName } from '../config/types.js'
import { git } from './local-git.js'

export async function findRepoHooks(repoDir: string, sha: string, subdir?: string): Promise<Map<HookName, string[]>> {
  const prefix = subdir === undefined ? '' : `${subdir.replace(/\/+$/, '')}/`
  const out = await git(['ls-tree', '-z', `${sha}:${prefix}deploy`], repoDir).catch(() => '')
  const hooks = new Map<HookName, string[]>()
  for (const entry of out.split('\0')) {
    const [meta = '', name = ''] = entry.split('\t')
    // Only executable files (git mode 100755) are hooks; anything else in deploy/ is data.
    if (!meta.startsWith('100755 blob ')) continue
    const hook = hookNameOf(name)
    if (hook === undefined) continue
    hooks.set(hook, [...(hooks.get(hook) ?? []), `deploy/${name}`])
  }
  for (const files of hooks.values()) files.sort()
  return hooks
}

function hookNameOf(file: string): HookName | undefined {
  const base = file.replace(/\.[A-Za-z0-9]+$/, '')
  if ((HOOK_NAMES as readonly string[]).includes(base)) return base as HookName
  return HOOK_ALIASES[base]
}
