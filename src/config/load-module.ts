/**
 * Reads `berth.config.ts` / `.js` / `.mjs` through jiti, so TypeScript configs need no
 * build step on Node 20 (which cannot strip types by itself).
 */
import { createJiti } from 'jiti'

export async function importConfigModule(file: string): Promise<unknown> {
  // No module cache: a long-running process (tests, watch mode) must see edits.
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false })
  return jiti.import(file, { default: true })
}
