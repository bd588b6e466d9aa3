/**
 * Where this machine keeps berth's caches: the file lists of releases it shipped
 * (`manifests/`), the release trees it built or promoted (`artifacts/`), mirrors of remote
 * `repo:` URLs (`repos/`) and what it last left live on each host (`live/`). All of it can
 * be deleted at any time (`berth cache clear`); a deploy only gets slower, or builds again.
 * See "Speed" and "Artifacts and the cache" in the README.
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { UsageError } from './errors.js'

/**
 * `BERTH_CACHE_DIR` when set, else `$XDG_CACHE_HOME/berth`, else `~/.cache/berth`.
 * A relative `XDG_CACHE_HOME` is ignored, as the XDG Base Directory spec says it must be.
 * @default `~/.cache/berth`
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.BERTH_CACHE_DIR
  if (own !== undefined && own !== '') return resolve(own)
  const xdg = env.XDG_CACHE_HOME
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'berth')
  return join(homedir(), '.cache', 'berth')
}

/** Artifacts beyond this total size are pruned, least recently used first. */
const DEFAULT_CACHE_MAX = 2 * 1024 ** 3
const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/**
 * The size the artifacts in the cache may take, from `BERTH_CACHE_MAX` (`500M`, `2G`,
 * `10GB`, a number of bytes; `0` keeps none beyond the one in use). Set per machine, like
 * the cache itself: every project deployed from this machine shares it.
 * @default 2 GiB
 */
export function defaultCacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.BERTH_CACHE_MAX?.trim() ?? ''
  if (text === '') return DEFAULT_CACHE_MAX
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text)
  if (match === null) throw new UsageError(`BERTH_CACHE_MAX=${text}: expected a size such as 500M, 2G or a number of bytes`)
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toUpperCase()]!)
}
