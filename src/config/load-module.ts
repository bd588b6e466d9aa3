/**
 * Reads `berth.config.ts` / `.js` / `.mjs` through jiti, so TypeScript configs need no
 * build step on Node 20 (which cannot strip types by itself).
 */
export async function importConfigModule(file: string): Promise<unknown> {
  // Loaded only for a TS/JS config: parsing jiti costs every other run ~0.1 s of CPU.
  const { createJiti } = await import('jiti')
  // No module cache: a long-running process (tests, watch mode) must see edits.
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false })
  return jiti.import(file, { default: true })
}
