/**
 * Where this machine keeps berth's caches: the file lists of releases it shipped
 * (`manifests/`), mirrors of remote `repo:` URLs (`repos/`) and what it last left live on
 * each host (`live/`). All of it can be deleted at any time; a deploy only gets slower.
 * See "Speed" in the README.
 */
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

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
