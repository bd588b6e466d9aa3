/**
 * One environment of a loaded config → `ResolvedConfig`: overlays merged, defaults
 * applied, `${VAR}` interpolated, durations in ms, paths absolute, secrets collected.
 *
 * `loadConfig` also runs this for every environment "structurally" (no deployer
 * environment, no git lookup), so a typo in any environment is refused at load time.
 */
import path from 'node:path'
import { ConfigError } from '../errors.js'
import { resolveDelivery } from './delivery.js'
import { didYouMean } from './did-you-mean.js'
import { parseDuration } from './duration.js'
import { resolveHooks, type Interpolator } from './hooks.js'
import { environmentHosts } from './hosts.js'
import { interpolate } from './interpolate.js'
import { resolveNotify } from './notify.js'
import { formatPath, toConfigIssues, type KeyPath, type RawIssue, type Validation } from './issue.js'
import type { LoadedConfig } from './loaded.js'
import { mergedEntries, mergedHooks, mergedSecrets, setting, type Sourced } from './overlay.js'
import { findGitToplevel, isRepoUrl, normalizeRelative, normalizeRemote, resolveLocalPath } from './resolve-paths.js'
import { resolveReuse } from './reuse.js'
import { checkHookTargets, checkHostsPresent, namesOf, type HostNames } from './rules.js'
import { secretPath, ShortSecrets } from './secret-length.js'
import { checkShared } from './shared-rules.js'
import { SSH_DEFAULTS, type RawBuild, type RawConfig, type RawOnFailure } from './schema.js'
import type { FailurePolicy, HostConfig, MaintenanceConfig, ResolvedConfig, SshSettings, TemplateFile } from './types.js'

export interface ResolveOptions {
  /** Where `${VAR}` and secret values are read from. @default process.env */
  processEnv?: NodeJS.ProcessEnv
  /**
   * For commands that only read (status, releases, history, check, config, a plan): an
   * unset `${VAR}` in an `env` value or a hook's `env` reads as `<unset: VAR>` instead of
   * refusing, so they run without the deploy's secrets. Where to deploy (`deployTo`,
   * `repo`, `branch`) still needs every variable it names.
   */
  allowUnsetValues?: boolean
}

/** Resolves `environment`; throws one `ConfigError` with every problem found. */
export function resolveEnvironment(loaded: LoadedConfig, environment: string, options: ResolveOptions = {}): ResolvedConfig {
  const source = loaded.source ?? { displayName: path.basename(loaded.file) }
  if (!loaded.environments.includes(environment)) {
    const known = loaded.environments.join(', ')
    const issue: RawIssue = {
      path: ['environments'],
      message: `unknown environment "${environment}"${didYouMean(environment, loaded.environments)}; this file defines: ${known}`,
    }
    throw new ConfigError(toConfigIssues([issue], source))
  }
  const context: BuildContext = { processEnv: options.processEnv ?? process.env, isStructural: false, allowUnsetValues: options.allowUnsetValues === true, fileNames: hostNamesInFile(loaded) }
  const result = buildEnvironment(loaded, environment, context)
  if (result.config === undefined || result.errors.length > 0) throw new ConfigError(toConfigIssues(result.errors, source))
  if (result.warnings.length > 0) result.config.warnings = toConfigIssues(result.warnings, source)
  return result.config
}

interface BuildContext {
  processEnv: NodeJS.ProcessEnv
  /** Check the file only: unset variables are not errors and git is not asked. */
  isStructural: boolean
  /** `env` values may name unset variables (see `ResolveOptions`). */
  allowUnsetValues: boolean
  /** Hosts and roles of every environment, for checking top-level hook entries. */
  fileNames: HostNames
}

function buildEnvironment(
  loaded: LoadedConfig,
  environment: string,
  context: BuildContext,
): Validation & { config?: ResolvedConfig } {
  const { raw, rootDir } = loaded
  const errors: RawIssue[] = []
  const secrets = mergedSecrets(raw, environment)
  const secretValues = new Set(secrets.flatMap((name) => context.processEnv[name] || []))
  const short = new ShortSecrets()
  for (const name of secrets) short.note(name, context.processEnv[name] ?? '', secretPath(raw, environment, name))
  /** Paths whose value is unknown because a variable is unset: checks on them would only add noise. */
  const unresolved = new Set<string>()

  const interpolateAt: Interpolator = (template, at) => {
    const result = interpolate(template, context.processEnv)
    for (const problem of result.problems) errors.push({ path: at, message: problem })
    for (const name of result.missing) {
      unresolved.add(formatPath(at))
      if (!context.isStructural) errors.push({ path: at, message: `environment variable "${name}" is not set (write \${${name}:-default} to allow that)` })
    }
    const isSecret = result.references.some((name) => secrets.includes(name)) || secrets.includes(String(at.at(-1)))
    if (isSecret && result.value !== '') secretValues.add(result.value)
    if (isSecret) short.note(String(at.at(-1)), result.value, at)
    return result.value
  }
  // An `env` value only matters when a hook runs: a read-only command shows which variable is missing instead.
  const interpolateValue: Interpolator = (template, at) => {
    const missing = context.allowUnsetValues ? interpolate(template, context.processEnv).missing : []
    if (missing.length === 0) return interpolateAt(template, at)
    const placeholders = Object.fromEntries(missing.map((name) => [name, `<unset: ${name}>`]))
    const result = interpolate(template, { ...context.processEnv, ...placeholders })
    for (const problem of result.problems) errors.push({ path: at, message: problem })
    return result.value
  }

  const { hosts, errors: hostErrors } = environmentHosts(loaded, environment)
  const { lists, errors: overlayErrors } = mergedHooks(raw, environment)
  const { hooks, errors: hookErrors } = resolveHooks(lists, interpolateValue)
  const presence = checkHostsPresent(raw, environment, hosts)
  errors.push(...hostErrors, ...overlayErrors, ...hookErrors, ...presence.errors)
  errors.push(...checkHookTargets(environment, lists, hooks, namesOf(hosts), context.fileNames))
  errors.push(...checkShared(raw, environment))
  const { reuse, errors: reuseErrors } = resolveReuse(raw, environment, lists, hooks)
  errors.push(...reuseErrors)
  const strategy = setting(raw, environment, 'strategy').value
  const delivery = resolveDelivery(raw, environment, hosts, strategy)
  errors.push(...delivery.errors)
  const notify = resolveNotify(setting(raw, environment, 'notify'), interpolateValue, errors)
  for (const url of notify.urls) secretValues.add(url)

  const env: Record<string, string> = {}
  for (const entry of mergedEntries(raw, environment, 'env')) env[entry.name] = interpolateValue(String(entry.value), entry.path)
  // Secrets reach hooks through their environment (never argv), like `env`; one
  // that is unset here is left out, for hooks that read it on the host instead.
  for (const name of secrets) {
    const value = context.processEnv[name]
    if (env[name] === undefined && value !== undefined) env[name] = value
  }

  const isAllLocal = hosts.length > 0 && hosts.every((host) => host.transport === 'local')
  const deployTo = resolveDeployTo(loaded, environment, interpolateAt, isAllLocal, unresolved, errors)
  const repo = resolveRepo(loaded, environment, interpolateAt, isAllLocal, context, unresolved, errors)
  const branch = setting(raw, environment, 'branch')

  const config: ResolvedConfig = {
    configFile: loaded.file,
    rootDir,
    app: raw.app,
    environment,
    repo,
    ref: interpolateAt(branch.value, branch.path),
    deployTo,
    keepReleases: setting(raw, environment, 'keepReleases').value,
    strategy,
    delivery: delivery.delivery,
    build: (setting(raw, environment, 'build').value ?? []).map(toBuildConfig),
    shared: resolveShared(setting(raw, environment, 'shared').value),
    env,
    secrets,
    secretValues: [...secretValues],
    ssh: resolveSsh(loaded, environment),
    hosts,
    onFailure: toFailurePolicy(setting(raw, environment, 'onFailure').value),
    notify: notify.targets,
    templates: resolveTemplates(setting(raw, environment, 'templates')),
    hooks,
    reuse,
  }
  const subdir = setting(raw, environment, 'subdir').value
  if (subdir !== undefined) config.subdir = normalizeRelative(subdir)
  const rollout = setting(raw, environment, 'rollout').value
  if (rollout !== undefined) config.rollout = { batch: rollout.batch, pauseMs: parseDuration(rollout.pause ?? 0) ?? 0 }
  const tag = setting(raw, environment, 'tag').value
  if (tag !== undefined) config.tag = typeof tag === 'string' ? { name: tag } : tag
  const maintenance = setting(raw, environment, 'maintenance').value
  if (maintenance !== undefined) config.maintenance = resolveMaintenance(maintenance)
  // Only for a real run: a structural check has no values to look at.
  const shortWarnings = context.isStructural ? [] : short.warnings()
  return { config, errors, warnings: [...presence.warnings, ...shortWarnings] }
}

function resolveDeployTo(
  loaded: LoadedConfig,
  environment: string,
  interpolateAt: Interpolator,
  isAllLocal: boolean,
  unresolved: Set<string>,
  errors: RawIssue[],
): string {
  const written = setting(loaded.raw, environment, 'deployTo')
  const at: KeyPath = written.value === undefined ? ['app'] : written.path
  const value = written.value === undefined ? `/srv/${loaded.raw.app}` : interpolateAt(written.value, written.path)
  if (value.startsWith('/')) return normalizeRemote(value)
  if (unresolved.has(formatPath(at))) return value
  // Only a local deploy has a directory the config's location can anchor.
  if (isAllLocal && !value.startsWith('~')) return path.resolve(loaded.rootDir, value)
  const why = value.startsWith('~')
    ? '"~" is not expanded on the hosts'
    : 'a relative path is allowed only when every host has "transport: local"'
  errors.push({ path: at, message: `must be an absolute path like /srv/${loaded.raw.app}, got ${JSON.stringify(value)} (${why})` })
  return value
}

function resolveRepo(
  loaded: LoadedConfig,
  environment: string,
  interpolateAt: Interpolator,
  isAllLocal: boolean,
  context: BuildContext,
  unresolved: Set<string>,
  errors: RawIssue[],
): string {
  const written = setting(loaded.raw, environment, 'repo')
  let repo: string
  if (written.value !== undefined) {
    const value = interpolateAt(written.value, written.path)
    repo = isRepoUrl(value) ? value : resolveLocalPath(loaded.rootDir, value)
  } else if (context.isStructural) {
    return loaded.rootDir
  } else {
    const toplevel = findGitToplevel(loaded.rootDir)
    if (toplevel === undefined) {
      errors.push({ path: ['repo'], message: `not set, and ${loaded.rootDir} is not inside a git repository: set repo to a local path or a git URL` })
      return loaded.rootDir
    }
    repo = toplevel
  }
  const strategy = setting(loaded.raw, environment, 'strategy')
  const isUnknown = unresolved.has(formatPath(written.path))
  if (strategy.value === 'git' && !isRepoUrl(repo) && !isAllLocal && !isUnknown) {
    errors.push({
      path: written.value === undefined ? strategy.path : written.path,
      message: `strategy "git" has each host fetch the repo, so repo must be a URL the hosts can reach (got the local path ${repo}); set repo to it, or use strategy "upload"`,
    })
  }
  return repo
}

function resolveSsh(loaded: LoadedConfig, environment: string): SshSettings {
  const merged = Object.fromEntries(mergedEntries(loaded.raw, environment, 'ssh').map((entry) => [entry.name, entry.value]))
  const ssh: SshSettings = {
    forwardAgent: (merged.forwardAgent as boolean | undefined) ?? SSH_DEFAULTS.forwardAgent,
    strictHostKeyChecking: (merged.strictHostKeyChecking as SshSettings['strictHostKeyChecking'] | undefined) ?? SSH_DEFAULTS.strictHostKeyChecking,
    connectTimeoutMs: parseDuration((merged.connectTimeout as string | number | undefined) ?? SSH_DEFAULTS.connectTimeout) ?? 10_000,
  }
  if (typeof merged.config === 'string') ssh.config = resolveLocalPath(loaded.rootDir, merged.config)
  return ssh
}

function toBuildConfig(raw: RawBuild): ResolvedConfig['build'][number] {
  if (typeof raw === 'string') return { run: raw, include: [] }
  return { run: raw.run, include: raw.include.map(normalizeRelative), ...(raw.cwd === undefined ? {} : { cwd: normalizeRelative(raw.cwd) }) }
}

function resolveShared(raw: { files: string[]; dirs: string[] } | undefined): ResolvedConfig['shared'] {
  return { files: (raw?.files ?? []).map(normalizeRelative), dirs: (raw?.dirs ?? []).map(normalizeRelative) }
}

function resolveMaintenance(raw: { path?: string; template?: string }): MaintenanceConfig {
  const maintenance: MaintenanceConfig = {}
  if (raw.path !== undefined) maintenance.path = normalizeRelative(raw.path)
  if (raw.template !== undefined) maintenance.template = normalizeRelative(raw.template)
  return maintenance
}

function resolveTemplates(written: Sourced<RawConfig['templates']>): TemplateFile[] {
  return (written.value ?? []).map(({ src, dest }, i) => ({ src: normalizeRelative(src), dest: normalizeRelative(dest), source: formatPath([...written.path, i]) }))
}

function toFailurePolicy(raw: RawOnFailure): FailurePolicy {
  if (raw === 'abort' || raw === 'continue') return { kind: raw }
  const { maxFailed } = raw
  if (typeof maxFailed === 'number') return { kind: 'maxFailed', count: maxFailed }
  return { kind: 'maxFailed', percent: Number(maxFailed.slice(0, -1)) }
}

/** Used by `loadConfig`: every environment's problems that need no deployer environment. */
export function checkAllEnvironments(loaded: LoadedConfig): Validation {
  const context: BuildContext = { processEnv: {}, isStructural: true, allowUnsetValues: false, fileNames: hostNamesInFile(loaded) }
  const results = loaded.environments.map((name) => buildEnvironment(loaded, name, context))
  return { errors: results.flatMap((r) => r.errors), warnings: results.flatMap((r) => r.warnings) }
}

function hostNamesInFile(loaded: LoadedConfig): HostNames {
  const everyHost: HostConfig[] = loaded.environments.flatMap((name) => environmentHosts(loaded, name).hosts)
  return namesOf(everyHost)
}
