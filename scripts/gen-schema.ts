/**
 * Writes schema/berth.schema.json from the zod schema in src/config/schema.ts.
 * Run after changing the schema: `npx tsx scripts/gen-schema.ts` (a unit test fails
 * while the committed file is out of date).
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderJsonSchema } from '../src/config/schema.js'

const target = fileURLToPath(new URL('../schema/berth.schema.json', import.meta.url))
writeFileSync(target, renderJsonSchema())
console.log(`wrote ${target}`)
