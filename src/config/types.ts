/**
 * The shape the core works with: one environment of one config file, with defaults
 * applied, overlays merged, `${VAR}` interpolated, durations in milliseconds and paths
 * absolute. `config/resolve.ts` produces it; nothing after it reads raw config.
 */
import type { ConfigIssue } from '../errors.js'

/** Pipeline steps, in the order a deploy runs them (README, "What a deploy does"). */
export const STEPS = [
  'lock',
  'fetch',
  'release',
  'link',
  'build',
  'migrate',
  'switch',
  'restart',
  'verify',
  'cleanup',
  'unlock',
] as const
export type Step = (typeof STEPS)[number]

/**
 * The ways a release's files can reach the hosts (`strategy:`); each is a module in
 * `src/delivery/` (see `strategies.ts`).
 */
export const DELIVERY_NAMES = ['upload', 'git'] as const
type DeliveryName = (typeof DELIVERY_NAMES)[number]

/**
 * How an `upload`'s files travel (`delivery.via`): straight from this machine, through
 * relay hosts, or through an S3-compatible store (README, "Delivery at scale").
 */
export const DELIVERY_VIAS = ['direct', 'relay', 'store'] as const

/** Where `delivery.via: store` puts blobs; credentials are the deployer's own AWS settings. */
export interface StoreConfig {
  bucket: string
  /** Key prefix, without leading or trailing "/" ('' for none). */
  prefix: string
  /** An S3-compatible service's URL (no trailing "/"); absent for AWS S3. */
  endpoint?: string
  /** Absent: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
  region?: string
  /** Bucket in the URL's path rather than its host name. */
  pathStyle: boolean
}

export type DeliveryConfig =
  | { via: 'direct' }
  /** `relays`: host names, each one of the environment's ssh hosts. */
  | { via: 'relay'; relays: string[]; forwardAgent: boolean }
  | { via: 'store'; store: StoreConfig }

/** Steps whose body is the user's own hook entries (`hooks.migrate`, `hooks.restart`...). */
export const BODY_HOOKS = ['build', 'migrate', 'restart', 'verify'] as const

/** Hooks outside the deploy steps. */
const EXTRA_HOOKS = ['setup', 'rollback', 'failed'] as const

/** Every hook name the config accepts, after aliases are applied. */
export type HookName =
  | `before_${Step}`
  | `after_${Step}`
  | (typeof BODY_HOOKS)[number]
  | (typeof EXTRA_HOOKS)[number]

export const HOOK_NAMES: readonly HookName[] = [
  ...STEPS.flatMap((step) => [`before_${step}` as const, `after_${step}` as const]),
  ...BODY_HOOKS,
  ...EXTRA_HOOKS,
]

/** Engine Yard's names, accepted as aliases. */
export const HOOK_ALIASES: Readonly<Record<string, HookName>> = {
  before_symlink: 'before_switch',
  after_symlink: 'after_switch',
}

export interface HookEntry {
  /** Shell command run with `sh -c` (on the host, or locally when `local`). */
  run?: string
  /** URL polled on the host until it answers 2xx or `timeoutMs` passes. */
  http?: string
  /** Run on the deploying machine instead of the host. @default false */
  local: boolean
  /** Only on hosts with one of these roles (`all` matches every host). */
  roles?: string[]
  /** Only on these hosts (by name). */
  hosts?: string[]
  /** Only on the primary host among the hosts the entry selects. @default false */
  once: boolean
  env: Record<string, string>
  /** Working directory; relative paths are relative to the release. @default the release */
  cwd?: string
  /** Prepended to `run`, e.g. `bundle exec`. */
  prefix?: string
  timeoutMs?: number
  /** Run as this user with `sudo -n -E -u` (the environment, secrets included, is kept, never put in argv). */
  become?: string
  /** A `build` hook's `reuse` directories: skipped on a host where every one came from the live release. */
  installs?: string[]
  /** Where in the config the entry came from, for messages, e.g. `hooks.restart[0]`. */
  source: string
}

/** A dependency directory taken from the live release when its key is unchanged (README, "Reusing dependencies"). */
export interface ReuseEntry {
  /** Relative to the release. */
  path: string
  /** Files, relative to the release, whose content is part of the key (those present count; none present: no reuse). */
  key: string[]
  /** Shell command run on the host in the new release; its output is part of the key ('' for none). */
  runtime: string
  /** The commands of the `build` hooks that install it: part of the key, so a changed install command installs again. */
  installers: string[]
}

export interface HostConfig {
  /** Name as written in the config or inventory; also the ssh destination. */
  name: string
  /** Address or ssh alias; defaults to `name`. */
  host: string
  user?: string
  port?: number
  roles: string[]
  primary: boolean
  transport: 'ssh' | 'local'
  /** How a relay reaches this host (`relayAddress`); absent: what `ssh -G` resolves here. */
  relayAddress?: { host: string; port?: number }
}

export interface BuildConfig {
  run: string
  /** Paths (relative to the deployed tree) whose build outputs are added to the release. */
  include: string[]
  /** Where the command runs, relative to the root of the clean checkout (default: that root). */
  cwd?: string
}

export interface SshSettings {
  /** ssh_config file passed with `-F`. */
  config?: string
  forwardAgent: boolean
  /** `yes` refuses unknown host keys; `accept-new` records them. @default 'yes' */
  strictHostKeyChecking: 'yes' | 'accept-new'
  connectTimeoutMs: number
}

export interface TagConfig {
  /** Name template: `{yyyy}`, `{mm}` (UTC) and `{n}`, e.g. `{yyyy}{mm}.{n}`. */
  name: string
  /** Git remote of the local repository the tag is pushed to. */
  push?: string
}

export interface MaintenanceConfig {
  /** Relative to `shared/` on each host. @default 'public/maintenance.html' */
  path?: string
  /** A file in the repository used as the page. @default berth's built-in page */
  template?: string
}

/** What a webhook can be told about (README, "Notifications"). */
export const NOTIFY_EVENTS = ['start', 'success', 'failure', 'rollback', 'lock-broken'] as const
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number]

export interface NotifyTarget {
  /** The URL, `${VAR}` read: it may hold a token, so it is one of the run's secret values. */
  webhook: string
  format: 'json' | 'slack'
  /** @default every event */
  on: NotifyEvent[]
  /** Where in the config it was written, e.g. `notify[0]`. */
  source: string
}

/** A file rendered from the deployed commit into `shared/` (README, "Templates"). */
export interface TemplateFile {
  /** Relative to the deployed tree. */
  src: string
  /** Relative to `shared/`. */
  dest: string
  /** Where in the config it was written, e.g. `templates[0]`. */
  source: string
}

export type FailurePolicy = { kind: 'abort' } | { kind: 'continue' } | { kind: 'maxFailed'; count?: number; percent?: number }

export interface ResolvedConfig {
  /** Absolute path of the config file. */
  configFile: string
  /** Directory of the config file; relative paths in the config are relative to it. */
  rootDir: string
  app: string
  environment: string
  /** Absolute local path or git URL. */
  repo: string
  /** Ref deployed when `--ref` is not given. */
  ref: string
  /** Absolute path on the host. */
  deployTo: string
  keepReleases: number
  strategy: DeliveryName
  /** How the files travel with the `upload` strategy; always `direct` with `git`. */
  delivery: DeliveryConfig
  subdir?: string
  build: BuildConfig[]
  shared: { files: string[]; dirs: string[] }
  env: Record<string, string>
  /** Names listed under `secrets`. */
  secrets: string[]
  /** The values of those secrets (and of every env var they name); masked in all output. */
  secretValues: string[]
  ssh: SshSettings
  hosts: HostConfig[]
  rollout?: { batch: number; pauseMs: number }
  onFailure: FailurePolicy
  /** Tag the deployed commit after a successful deploy (README, "Tagging what goes live"). */
  tag?: TagConfig
  /** Where the maintenance page goes and what it says (README, "Maintenance page"). */
  maintenance?: MaintenanceConfig
  notify: NotifyTarget[]
  templates: TemplateFile[]
  hooks: Record<HookName, HookEntry[]>
  reuse: ReuseEntry[]
  /** What is worth telling the user about this environment's settings, though nothing stops. */
  warnings?: ConfigIssue[]
}
