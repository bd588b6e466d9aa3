import { existsSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { UsageError } from '../../errors.js'
import { detectRecipes } from '../init-recipes.js'
import { schemaPathFor, starterConfig } from '../starter-config.js'
import type { CliIO } from '../session.js'
import type { Flags } from '../flags.js'

export async function run(_args: string[], flags: Flags, io: CliIO): Promise<number> {
  const file = join(io.cwd, 'berth.yml')
  if (existsSync(file) && !flags.force) throw new UsageError('berth.yml already exists here', { hint: 'use --force to overwrite it' })
  const app = basename(io.cwd).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'app'
  const recipes = detectRecipes(io.cwd)
  writeFileSync(file, starterConfig(app, schemaPathFor(io.cwd), recipes), { mode: 0o644 })
  const found = recipes.length === 0 ? '' : ` for ${recipes.map((recipe) => recipe.name).join(', ')}`
  io.stdout(`wrote ${file}${found}\nnext: edit the hosts, then run \`berth check production\` and \`berth deploy production --plan\`\n`)
  return 0
}
