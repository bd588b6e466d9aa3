/**
 * berth as users run it: the built CLI (`node bin/berth.js deploy bench -c FILE -q`),
 * under GNU time for its peak RSS, against the fleet's ssh_config.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { timed } from './exec.js'
import { wipeHosts, type BenchContext, type BenchTool } from './tool.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(ROOT, 'bin', 'berth.js')

export function berthConfig(context: BenchContext, hosts: string[], deployTo: string): string {
  return [
    'app: app',
    `repo: ${context.app.dir}`,
    'branch: main',
    `deployTo: ${deployTo}`,
    'keepReleases: 5',
    `ssh: { config: ${context.fleet.sshConfigFile} }`,
    'environments:',
    '  bench:',
    '    hosts:',
    ...hosts.map((host) => `      - { host: ${host} }`),
    '',
  ].join('\n')
}

export function berthTool(context: BenchContext, options: { env?: NodeJS.ProcessEnv } = {}): BenchTool {
  const configFile = join(context.work, 'berth.yml')
  const deployTo = '/srv/berth'
  const cli = (command: string) =>
    timed(process.execPath, [BIN, command, 'bench', '-c', configFile, '-q'], {
      cwd: context.work,
      isRssMeasured: true,
      ...(options.env === undefined ? {} : { env: options.env }),
    })
  return {
    name: 'berth',
    deployTo,
    configure: async (hosts) => {
      await mkdir(context.work, { recursive: true })
      await writeFile(configFile, berthConfig(context, hosts, deployTo))
    },
    reset: () => wipeHosts(context.fleet, deployTo),
    deploy: () => cli('deploy'),
    rollback: () => cli('rollback'),
  }
}
