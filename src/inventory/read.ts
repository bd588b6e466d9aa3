/**
 * Reads the inventory a config names: a file (INI, YAML, or JSON; an executable file is
 * run with `--list`, as Ansible runs dynamic inventory scripts) or `{ command }`, whose
 * output is `--list` JSON. Read once, when the config is loaded.
 */
import { execFileSync } from 'node:child_process'
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseIniInventory, parseListInventory, parseYamlInventory, type Inventory } from './ansible.js'

export type InventorySpec = string | { command: string }

/** Parsed inventory, or the reason it could not be read (for a config issue). */
export function readInventory(spec: InventorySpec, rootDir: string): Inventory | { error: string } {
  try {
    if (typeof spec !== 'string') return parseListInventory(run('sh', ['-c', spec.command], rootDir))
    const file = resolve(rootDir, spec)
    if (!statSync(file).isFile()) return { error: `${spec} is not a file` }
    if (isExecutable(file)) return parseListInventory(run(file, ['--list'], rootDir))
    const text = readFileSync(file, 'utf8')
    if (/\.ya?ml$/i.test(file)) return parseYamlInventory(text)
    if (/\.json$/i.test(file)) return parseListInventory(text)
    return parseIniInventory(text)
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer | string }
    if (e.code === 'ENOENT') return { error: `${typeof spec === 'string' ? spec : spec.command}: not found` }
    const detail = e.stderr?.toString().trim() || e.message.split('\n')[0]
    return { error: `could not be read: ${detail}` }
  }
}

function run(file: string, args: string[], cwd: string): string {
  return execFileSync(file, args, { cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 32 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] })
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}
