/**
 * berth as users run it: the built CLI (`node bin/berth.js deploy bench -c FILE -q`),
 * under GNU time for its peak RSS, against the fleet's ssh_config. The same runs an earlier
 * berth (a baseline) from another checkout's built CLI, into its own directory on the hosts.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { timed } from './exec.js'
import { BASELINE } from './stats.js'
import { wipeHosts, type BenchContext, type BenchTool } from './tool.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(ROOT, 'bin', 'berth.js')

/** What a delivery mode adds to the config: `delivery:` lines, another ssh_config. */
export interface ConfigExtra {
  /** Top-level YAML lines, e.g. `delivery: { via: relay }`. */
  lines?: string[]
  /** @default the fleet's ssh_config */
  sshConfigFile?: string
}

export function berthConfig(context: BenchContext, hosts: string[], deployTo: string, extra: ConfigExtra = {}): string {
  return [
    'app: app',
    `repo: ${context.app.dir}`,
    'branch: main',
    `deployTo: ${deployTo}`,
    'keepReleases: 5',
    `ssh: { config: ${extra.sshConfigFile ?? context.fleet.sshConfigFile} }`,
    ...(extra.lines ?? []),
    'environments:',
    '  bench:',
    '    hosts:',
    // The first host is the primary: a relay's default.
    ...hosts.map((host, i) => `      - { host: ${host}${i === 0 ? ', primary: true' : ''} }`),
    '',
  ].join('\n')
}

export interface BerthToolOptions {
  env?: NodeJS.ProcessEnv
  /** The CLI to run. @default this checkout's bin/berth.js */
  bin?: string
  /** @default 'berth' */
  name?: string
  /** @default '/srv/berth' */
  deployTo?: string
  /** The delivery mode's config, read again at each `configure` and `reset` (a store's prefix can change). */
  extra?: () => ConfigExtra
  /** More arguments for deploy and rollback, e.g. `--concurrency 100`. */
  args?: string[]
}

export function berthTool(context: BenchContext, options: BerthToolOptions = {}): BenchTool {
  const configFile = join(context.work, 'berth.yml')
  const deployTo = options.deployTo ?? '/srv/berth'
  const bin = options.bin ?? BIN
  const cli = (command: string) =>
    timed(process.execPath, [bin, command, 'bench', '-c', configFile, '-q', ...(options.args ?? [])], {
      cwd: context.work,
      isRssMeasured: true,
      ...(options.env === undefined ? {} : { env: options.env }),
    })
  let names: string[] = []
  const write = async (): Promise<void> => {
    await mkdir(context.work, { recursive: true })
    await writeFile(configFile, berthConfig(context, names, deployTo, options.extra?.() ?? {}))
  }
  return {
    name: options.name ?? 'berth',
    deployTo,
    configure: async (hosts) => {
      names = hosts
      await write()
    },
    reset: async () => {
      await wipeHosts(context.fleet, deployTo)
      await write()
    },
    deploy: () => cli('deploy'),
    rollback: () => cli('rollback'),
  }
}

/** Where the baseline deploys on every host, beside berth's own `/srv/berth`. */
export const BASELINE_DEPLOY_TO = '/srv/berth-baseline'

/** An earlier berth's built CLI, measured exactly like this one. */
export function baselineTool(context: BenchContext, bin: string, options: { env?: NodeJS.ProcessEnv } = {}): BenchTool {
  return berthTool(context, { ...options, bin, name: BASELINE, deployTo: BASELINE_DEPLOY_TO })
}
