/**
 * Where a test's berth keeps its caches and its per-machine config: inside the test's own
 * temp directory, never the real `~/.cache/berth` or `~/.config/berth` of whoever runs the
 * tests. Every helper that runs the CLI passes `env`; a test that calls the core directly
 * passes `cacheDir` (the `cacheDir` run option).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export interface IsolatedDirs {
  /** berth's cache (`BERTH_CACHE_DIR`), made by berth when it first writes there. */
  cacheDir: string
  /** berth's per-machine config (`BERTH_CONFIG_DIR`), made by berth when it first writes there. */
  configDir: string
  /** berth's own variables and the XDG ones, so nothing falls back to the home directory. */
  env: Record<string, string>
}

/** Makes `<base>/cache` and `<base>/config` (the XDG homes) and the environment that points berth into them. */
export function isolatedDirs(base: string): IsolatedDirs {
  const cacheHome = join(base, 'cache')
  const configHome = join(base, 'config')
  mkdirSync(cacheHome, { recursive: true })
  mkdirSync(configHome, { recursive: true })
  const cacheDir = join(cacheHome, 'berth')
  const configDir = join(configHome, 'berth')
  return {
    cacheDir,
    configDir,
    env: { BERTH_CACHE_DIR: cacheDir, BERTH_CONFIG_DIR: configDir, XDG_CACHE_HOME: cacheHome, XDG_CONFIG_HOME: configHome },
  }
}
