/**
 * shipit-deploy (npm) driven by shipit-cli, installed into a scratch directory outside the
 * repo. Its stock flow: fetch the repo into a local workspace, copy the previous release on
 * each host (`cp -a`), rsync the workspace over it, switch `current`. It uses the system
 * ssh and rsync; host keys are checked against the fleet's known_hosts (`strict: 'yes'`).
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { timed } from '../exec.js'
import { wipeHosts, type BenchContext, type BenchTool } from '../tool.js'
import { aptInstall, hasCommand } from './apt.js'
import type { PeerInstall } from './capistrano.js'

const run = promisify(execFile)

/** 5.3.0 is the newest release of both; their `engines` say node >=6, and they run on Node 20. */
const PACKAGES = ['shipit-cli@5.3.0', 'shipit-deploy@5.3.0']

const versionIn = (scratch: string, name: string): string | undefined => {
  const file = join(scratch, 'node_modules', name, 'package.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined
}

export async function installShipit(scratch: string): Promise<PeerInstall> {
  // Without rsync, shipit-deploy falls back to scp of a tarball, which ignores the
  // host-key options it is given: its stock flow needs rsync.
  if (!(await hasCommand('rsync'))) {
    try {
      await aptInstall('rsync')
    } catch (error) {
      return { ok: false, reason: `apt-get install rsync failed: ${String((error as Error).message).split('\n')[0]}` }
    }
  }
  if (versionIn(scratch, 'shipit-cli') !== '5.3.0' || versionIn(scratch, 'shipit-deploy') !== '5.3.0') {
    await mkdir(scratch, { recursive: true })
    try {
      await run('npm', ['install', '--prefix', scratch, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', ...PACKAGES], { maxBuffer: 1 << 26 })
    } catch (error) {
      const e = error as { stderr?: string; message?: string }
      return { ok: false, reason: `npm install ${PACKAGES.join(' ')} failed: ${((e.stderr ?? '').trim().split('\n').at(-1) || e.message || '').slice(0, 160)}` }
    }
  }
  const cli = versionIn(scratch, 'shipit-cli')
  const deploy = versionIn(scratch, 'shipit-deploy')
  if (cli === undefined || deploy === undefined) return { ok: false, reason: `npm install left no shipit-cli/shipit-deploy in ${scratch}` }
  return { ok: true, version: `shipit-cli ${cli}, shipit-deploy ${deploy}` }
}

export function shipitTool(context: BenchContext, scratch: string, options: { env?: NodeJS.ProcessEnv } = {}): BenchTool {
  const deployTo = '/srv/shipit'
  const { fleet } = context
  const shipitfile = join(context.work, 'shipitfile.js')
  const workspace = join(context.work, 'workspace')
  const bin = join(scratch, 'node_modules', 'shipit-cli', 'bin', 'shipit')
  const shipit = (task: string) =>
    timed(process.execPath, [bin, 'bench', task, '--shipitfile', shipitfile], { cwd: context.work, env: { ...(options.env ?? process.env), FORCE_COLOR: '0' } })
  return {
    name: 'shipit-deploy',
    deployTo,
    configure: async (hosts) => {
      await mkdir(context.work, { recursive: true })
      const servers = hosts.map((name) => {
        const host = fleet.hosts.find((h) => h.name === name)
        return {
          user: 'root',
          host: host?.address ?? name,
          port: fleet.port,
          extraSshOptions: { UserKnownHostsFile: fleet.knownHostsFile, GlobalKnownHostsFile: '/dev/null', IdentitiesOnly: 'yes', BatchMode: 'yes' },
        }
      })
      const config = {
        default: {
          deployTo,
          repositoryUrl: context.app.bare,
          branch: 'main',
          workspace,
          shallowClone: false,
          keepReleases: 5,
          ignores: ['.git'],
          key: fleet.clientKey,
          strict: 'yes',
        },
        bench: { servers },
      }
      await writeFile(
        shipitfile,
        [
          'module.exports = (shipit) => {',
          `  require(${JSON.stringify(join(scratch, 'node_modules', 'shipit-deploy'))})(shipit)`,
          `  shipit.initConfig(${JSON.stringify(config, null, 2)})`,
          '}',
          '',
        ].join('\n'),
      )
    },
    reset: async () => {
      await wipeHosts(fleet, deployTo)
      await rm(workspace, { recursive: true, force: true })
    },
    deploy: async () => {
      await mkdir(workspace, { recursive: true })
      return shipit('deploy')
    },
    rollback: () => shipit('rollback'),
  }
}
