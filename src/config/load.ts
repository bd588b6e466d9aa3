/**
 * Finding and reading the config file, then validating all of it: the schema first,
 * then the cross-field rules of every environment. Every problem is collected and
 * thrown once, as one `ConfigError`.
 */
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { ConfigError, InterruptedError, type ConfigIssue } from '../errors.js'
import type { Inventory } from '../inventory/ansible.js'
import { readInventory } from '../inventory/read.js'
import { toConfigIssues, type ConfigSource, type KeyPath, type RawIssue } from './issue.js'
import type { LoadedConfig } from './loaded.js'
import { importConfigModule } from './load-module.js'
import { parseYaml } from './load-yaml.js'
import { checkAllEnvironments } from './resolve.js'
import { checkEnvironmentsDefined } from './rules.js'
import type { RawConfig } from './schema.js'
import { validateSchema } from './validate.js'

/** Looked for in this order in each directory, from the current one up to the root. */
const CONFIG_FILE_NAMES = ['berth.yml', 'berth.yaml', 'berth.config.ts', 'berth.config.js', 'berth.config.mjs'] as const

const isFile = (file: string) => existsSync(file) && statSync(file).isFile()

/**
 * The config file to use: `explicit` (from `-c FILE`, relative to `cwd`) when given,
 * else the first `berth.yml`, `berth.yaml` or `berth.config.{ts,js,mjs}` in `cwd` or
 * its nearest parent that has one.
 * @throws ConfigError when there is none, or when one directory holds two.
 */
export function findConfigFile(cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit)
    if (isFile(file)) return file
    throw new ConfigError([{ path: '', message: `config file ${explicit} not found` }], { hint: 'check the -c/--config path' })
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const found = CONFIG_FILE_NAMES.filter((name) => isFile(path.join(dir, name)))
    if (found.length > 1) {
      throw new ConfigError([{ path: '', message: `${dir} has both ${found.join(' and ')}` }], {
        hint: `keep one of them, or choose with -c ${found[0]}`,
      })
    }
    if (found[0] !== undefined) return path.join(dir, found[0])
    if (path.dirname(dir) === dir) break
  }
  throw new ConfigError([{ path: '', message: `no berth.yml (or berth.config.ts) in ${cwd} or any parent directory` }], {
    hint: 'run `berth init` to write a starter berth.yml, or pass -c FILE',
  })
}

export interface LoadConfigOptions {
  /** Where to start looking, and what issue file names are relative to. @default process.cwd() */
  cwd?: string
  /** A config file given explicitly (`-c FILE`), relative to `cwd`. */
  configPath?: string
  /** Stops loading between its stages (reading, parsing, checking, inventories) once aborted. */
  signal?: AbortSignal
}

/**
 * Lets the event loop run (a signal handler, say) between the stages of a load, each of
 * which is synchronous: a large file or a slow inventory command then does not keep
 * Ctrl-C or SIGTERM waiting until the whole config is loaded.
 */
async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return
  await nextTurn()
  if (signal.aborted) throw new InterruptedError('stopped while loading the config: nothing was changed on any host')
}

function readInventories(raw: RawConfig, rootDir: string): { inventories: Map<string, Inventory>; errors: RawIssue[] } {
  const inventories = new Map<string, Inventory>()
  const errors: RawIssue[] = []
  const specs: [string, KeyPath, RawConfig['inventory']][] = [
    ['', ['inventory'], raw.inventory],
    ...Object.entries(raw.environments).map(([name, env]): [string, KeyPath, RawConfig['inventory']] => [name, ['environments', name, 'inventory'], env?.inventory]),
  ]
  for (const [key, path, spec] of specs) {
    if (spec === undefined) continue
    const result = readInventory(spec, rootDir)
    if ('error' in result) errors.push({ path, message: `inventory ${result.error}` })
    else inventories.set(key, result)
  }
  return { inventories, errors }
}

/**
 * Finds, reads and validates the config file.
 * @throws ConfigError listing every problem in the file.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd()
  const file = findConfigFile(cwd, options.configPath)
  const displayName = path.relative(cwd, file) || path.basename(file)
  const isYaml = /\.ya?ml$/.test(file)
  const read = isYaml ? await readYamlConfig(file, displayName) : await readModuleConfig(file, displayName)
  await checkpoint(options.signal)

  const schema = validateSchema(read.data)
  if (schema.value === undefined) throw new ConfigError(toConfigIssues(schema.errors, read.source))
  const loaded: LoadedConfig = {
    file,
    rootDir: path.dirname(file),
    raw: schema.value,
    environments: Object.keys(schema.value.environments),
    source: read.source,
  }
  await checkpoint(options.signal)
  const inventory = readInventories(schema.value, loaded.rootDir)
  await checkpoint(options.signal)
  loaded.inventories = inventory.inventories
  if (inventory.errors.length > 0) throw new ConfigError(toConfigIssues(inventory.errors, read.source))
  const rules = checkAllEnvironments(loaded)
  const errors = [...checkEnvironmentsDefined(schema.value), ...rules.errors]
  if (errors.length > 0) throw new ConfigError(toConfigIssues(errors, read.source))
  loaded.warnings = toConfigIssues(rules.warnings, read.source)
  return loaded
}

async function readYamlConfig(file: string, displayName: string): Promise<{ data: unknown; source: ConfigSource }> {
  const parsed = parseYaml(await readFile(file, 'utf8'))
  if (parsed.syntaxErrors.length > 0) {
    const issues: ConfigIssue[] = parsed.syntaxErrors.map((error) => ({ path: '', file: displayName, ...error }))
    throw new ConfigError(issues, { hint: 'the file is not valid YAML' })
  }
  if (parsed.data === undefined || parsed.data === null) throw emptyFileError(displayName)
  return { data: parsed.data, source: { displayName, locate: parsed.locate } }
}

async function readModuleConfig(file: string, displayName: string): Promise<{ data: unknown; source: ConfigSource }> {
  let data: unknown
  try {
    data = await importConfigModule(file)
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ConfigError([{ path: '', file: displayName, message: `could not be loaded: ${message}` }])
  }
  if (data === undefined || data === null) throw emptyFileError(displayName)
  return { data, source: { displayName } }
}

function emptyFileError(displayName: string): ConfigError {
  return new ConfigError([{ path: '', file: displayName, message: 'is empty: it needs at least "app" and "environments"' }], {
    hint: 'run `berth init` for a commented starter file',
  })
}
