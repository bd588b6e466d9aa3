/**
 * Which egress path a host's connection takes: the `proxyjump` or `proxycommand` that
 * `ssh -G` resolves for it, or none (a direct connection). Hosts on the same path share
 * one jump host's sshd, and so its `MaxStartups` (`handshake-gate.ts`).
 *
 * What it costs: `ssh -G` is one process per host (about 5 ms, run while other hosts
 * connect), so it is only asked when an ssh_config that berth's ssh reads mentions
 * ProxyJump or ProxyCommand, and then once per host for the whole run (`ssh-resolve.ts`:
 * a relay's directions to the same host reuse the answer). The common case, no proxy
 * anywhere, costs reading the one or two config files (and their Includes) once per run,
 * and no process at all.
 */
import { readFile, readdir } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { basename, dirname, isAbsolute, join } from 'node:path'
import { buildResolveArgs, resolveSsh, type ResolveTarget, type SshSettings } from './ssh-resolve.js'

const PROXY_LINE = /^\s*(proxyjump|proxycommand)\b/im
const INCLUDE_LINE = /^\s*include\s+(.+)$/gim
/** Include nesting ssh itself allows. */
const MAX_DEPTH = 16

/** The files ssh reads for a host: `-F FILE` alone, or the user's then the system's. */
export function sshConfigFiles(configFile: string | undefined, home: string = userInfo().homedir): { file: string; base: string }[] {
  // ssh takes `~` from the password database, not $HOME: so does this.
  const user = join(home, '.ssh')
  if (configFile !== undefined) return [{ file: configFile, base: user }]
  return [
    { file: join(user, 'config'), base: user },
    { file: '/etc/ssh/ssh_config', base: '/etc/ssh' },
  ]
}

/**
 * Whether any of these configs (or a file they Include) has a ProxyJump or ProxyCommand
 * line. A relative Include is taken from `base` (ssh's rule: ~/.ssh for a user's file,
 * /etc/ssh for the system's); a wildcard is matched in the last path segment only, and one
 * in a directory makes the answer "yes": asking `ssh -G` is the safe side.
 */
export async function mentionsProxy(files: { file: string; base: string }[], home: string = userInfo().homedir, depth = 0): Promise<boolean> {
  for (const { file, base } of files) {
    const text = await readFile(file, 'utf8').catch(() => '')
    if (PROXY_LINE.test(text)) return true
    if (depth >= MAX_DEPTH) continue
    for (const match of text.matchAll(INCLUDE_LINE)) {
      for (const word of splitWords(match[1]!)) {
        const pattern = word.startsWith('~/') ? join(home, word.slice(2)) : isAbsolute(word) ? word : join(base, word)
        if (/[*?[]/.test(dirname(pattern))) return true
        const included = await expand(pattern)
        if (await mentionsProxy(included.map((f) => ({ file: f, base })), home, depth + 1)) return true
      }
    }
  }
  return false
}

function splitWords(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).filter((word) => !word.startsWith('#'))
}

async function expand(pattern: string): Promise<string[]> {
  const name = basename(pattern)
  if (!/[*?[]/.test(name)) return [pattern]
  const dir = dirname(pattern)
  const regex = new RegExp(`^${name.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`)
  const entries = await readdir(dir).catch(() => [] as string[])
  return entries.filter((entry) => regex.test(entry)).sort().map((entry) => join(dir, entry))
}

/** The egress path in `ssh -G`'s answer: `jump:SPEC`, `command:CMD`, or undefined (direct). */
export function egressOf(settings: SshSettings): string | undefined {
  const value = (key: string): string | undefined => {
    const rest = settings.get(key)?.join(' ')
    return rest === undefined || rest === '' || rest === 'none' ? undefined : rest
  }
  const jump = value('proxyjump')
  if (jump !== undefined) return `jump:${jump}`
  const command = value('proxycommand')
  return command === undefined ? undefined : `command:${command}`
}

/** One run's answers: the config files are read once, each host resolved at most once. */
export class EgressPaths {
  private proxied: Promise<boolean> | undefined
  private readonly resolved = new Map<string, Promise<string | undefined>>()

  constructor(private readonly configFile: string | undefined) {}

  of(target: ResolveTarget): Promise<string | undefined> {
    const key = buildResolveArgs(target).join('\0')
    let path = this.resolved.get(key)
    if (path === undefined) {
      path = this.resolve(target)
      this.resolved.set(key, path)
    }
    return path
  }

  private async resolve(target: ResolveTarget): Promise<string | undefined> {
    this.proxied ??= mentionsProxy(sshConfigFiles(this.configFile))
    if (!(await this.proxied)) return undefined
    // A config ssh cannot read is for the master itself to report, with its own words.
    return resolveSsh(target).then(egressOf, () => undefined)
  }
}
