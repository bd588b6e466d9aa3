/**
 * `reuse:` (README, "Reusing dependencies"): dependency directories a release takes from
 * the live one when their key is unchanged, and the `build` hooks that install them
 * (`installs:`). Resolved here with the defaults for well-known directories, and checked
 * against `shared:` and the hooks: a reused directory nothing installs would be copied and
 * then installed anyway, the slow way round, so it is refused with the line to add.
 */
import { didYouMean } from './did-you-mean.js'
import type { KeyPath, RawIssue } from './issue.js'
import { setting, type HookLists } from './overlay.js'
import { normalizeRelative } from './resolve-paths.js'
import type { RawConfig, RawReuse } from './schema.js'
import { HOOK_NAMES, type HookEntry, type HookName, type ReuseEntry } from './types.js'

interface Defaults {
  /** The entry's path ends with this directory... */
  suffix: string
  /** ...and its key files sit beside where that directory starts. */
  key: string[]
  runtime: string
}

/**
 * Directories whose key berth knows. Python virtualenvs are not among them: a venv holds
 * its own absolute path (in every script's `#!` line), so a copy in another release would
 * run the old release's Python packages, and break once that release is cleaned up.
 */
const KNOWN: readonly Defaults[] = [
  { suffix: 'node_modules', key: ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'], runtime: 'node --version' },
  { suffix: 'vendor/bundle', key: ['Gemfile.lock'], runtime: 'ruby --version' },
]

function defaultsFor(path: string): { key: string[]; runtime: string } | undefined {
  for (const known of KNOWN) {
    if (path !== known.suffix && !path.endsWith(`/${known.suffix}`)) continue
    const base = path.slice(0, path.length - known.suffix.length)
    return { key: known.key.map((file) => `${base}${file}`), runtime: known.runtime }
  }
  return undefined
}

export function resolveReuse(raw: RawConfig, environment: string, lists: HookLists, hooks: Record<HookName, HookEntry[]>): { reuse: ReuseEntry[]; errors: RawIssue[] } {
  const written = setting(raw, environment, 'reuse')
  const errors: RawIssue[] = []
  const reuse: ReuseEntry[] = []
  const sharedDirs = [...(setting(raw, environment, 'shared').value?.dirs ?? []), ...(setting(raw, environment, 'shared').value?.files ?? [])].map(normalizeRelative)
  ;(written.value ?? []).forEach((entry: RawReuse, index) => {
    const at: KeyPath = [...written.path, index]
    const path = normalizeRelative(typeof entry === 'string' ? entry : entry.path)
    const problem = pathProblem(path, reuse, sharedDirs)
    if (problem !== undefined) return errors.push({ path: at, message: problem })
    const defaults = defaultsFor(path)
    const key = typeof entry === 'string' ? defaults?.key : (entry.key?.map(normalizeRelative) ?? defaults?.key)
    if (key === undefined) {
      return errors.push({ path: at, message: `berth knows no lockfile for "${path}": write { path: ${path}, key: [the lockfile], runtime: "the runtime's --version" }` })
    }
    const runtime = typeof entry === 'string' ? defaults!.runtime : (entry.runtime ?? defaults?.runtime ?? '')
    const installers = hooks.build.filter((hook) => hook.installs?.includes(path)).map((hook) => [hook.prefix, hook.run].filter(Boolean).join(' '))
    if (installers.length === 0) {
      errors.push({ path: at, message: `no build hook installs "${path}": add "installs: [${path}]" to the build hook that does (it is skipped when ${path} is reused)` })
    }
    reuse.push({ path, key, runtime, installers })
  })
  errors.push(...checkInstalls(lists, hooks, reuse.map((entry) => entry.path)))
  return { reuse, errors }
}

function pathProblem(path: string, earlier: ReuseEntry[], shared: string[]): string | undefined {
  if (path === '.') return 'is the release itself: name a directory inside it'
  if (earlier.some((entry) => entry.path === path)) return `"${path}" is listed twice: list it once`
  const clash = shared.find((other) => other === path || path.startsWith(`${other}/`) || other.startsWith(`${path}/`))
  if (clash !== undefined) return `"${path}" overlaps the shared path "${clash}": a shared directory is the same for every release already, so it cannot be reused as well`
  return undefined
}

/** `installs` is for `build` hooks on the hosts, and names directories listed under `reuse`. */
function checkInstalls(lists: HookLists, hooks: Record<HookName, HookEntry[]>, reused: string[]): RawIssue[] {
  const errors: RawIssue[] = []
  for (const name of HOOK_NAMES) {
    hooks[name].forEach((hook, index) => {
      if (hook.installs === undefined) return
      const at: KeyPath = [...lists[name].path, index, 'installs']
      if (name !== 'build') return errors.push({ path: at, message: `is for build hooks (dependencies are installed in the build step), not ${name}` })
      if (hook.local || hook.once) return errors.push({ path: at, message: `a hook that installs dependencies must run on every host it installs them on: remove "${hook.local ? 'local' : 'once'}"` })
      for (const path of hook.installs.filter((path) => !reused.includes(path))) {
        errors.push({ path: at, message: `"${path}" is not listed under reuse${didYouMean(path, reused)}: add it there, or remove it here` })
      }
      return undefined
    })
  }
  return errors
}
