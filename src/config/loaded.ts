import type { ConfigIssue } from '../errors.js'
import type { ConfigSource } from './issue.js'
import type { Inventory } from '../inventory/ansible.js'
import type { RawConfig } from './schema.js'

/** A config file read and validated, not yet resolved for one environment. */
export interface LoadedConfig {
  /** Absolute path of the config file. */
  file: string
  /** The config file's directory; relative paths in the config are relative to it. */
  rootDir: string
  /** The validated file with schema defaults applied (before overlays and `${VAR}`). */
  raw: RawConfig
  /** Environment names, in file order. */
  environments: string[]
  /** Things worth telling the user that do not stop a deploy. */
  warnings?: ConfigIssue[]
  /** How issues found later (by `resolveEnvironment`) name the file and find lines. */
  source?: ConfigSource
  /** Inventories named by the file, read at load: '' for the top level, else by environment. */
  inventories?: Map<string, Inventory>
}
