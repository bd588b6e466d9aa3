/**
 * Writes schema/berth.schema.json and docs/config.md (the config reference) from the zod
 * schema in src/config/schema.ts. Run after changing the schema: `npm run gen-schema`
 * (a unit test fails while either committed file is out of date).
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderConfigReference } from '../src/config/reference.js'
import { renderJsonSchema } from '../src/config/schema.js'

for (const [path, text] of [
  ['../schema/berth.schema.json', renderJsonSchema()],
  ['../docs/config.md', renderConfigReference()],
] as const) {
  const target = fileURLToPath(new URL(path, import.meta.url))
  writeFileSync(target, text)
  console.log(`wrote ${target}`)
}
