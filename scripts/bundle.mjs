// The CLI as users run it: one bundle of dist/cli (lazy commands and reporters kept as
// chunks of their own), because Node resolving and reading ~150 small modules one by one
// took more time than the rest of a `berth --plan`. Run by `npm run build`, after tsc.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = join(root, 'dist', 'bundle')
rmSync(outdir, { recursive: true, force: true })
await build({
  entryPoints: { main: join(root, 'dist', 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // jiti loads berth.config.ts files and reads its own files at run time: it stays a package.
  // The AWS SDK too (delivery.via: store only): Node loads its own ESM build, as it was tested.
  external: ['jiti', '@aws-sdk/*'],
  // Dependencies written for CommonJS call require(); give the bundle one.
  banner: { js: "import { createRequire as __berthCreateRequire } from 'node:module'; const require = __berthCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
