import type { UserConfig } from './schema.js'

/**
 * Types a `berth.config.ts` without changing it: `export default defineConfig({ ... })`.
 * The object is validated exactly like `berth.yml` when loaded.
 */
export function defineConfig(config: UserConfig): UserConfig {
  return config
}
