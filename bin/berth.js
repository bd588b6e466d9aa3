#!/usr/bin/env node
// Thin launcher: the CLI is dist/bundle (built by `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/bundle/main.js', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('berth: dist/ is missing; run `npm run build` in the berth checkout first.\n')
  process.exit(70)
}
const { main } = await import(entry.href)
process.exitCode = await main(process.argv.slice(2))
