/**
 * Capistrano 3 (Debian's `capistrano` package) with its stock git strategy: each host
 * keeps a mirror of `repo_url` (a bare repo on this machine's disk, which the hosts share)
 * and `git archive`s the branch into each release. net-ssh logs in with the fleet's key
 * and checks host keys against the fleet's known_hosts (`verify_host_key: :always`).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { timed } from '../exec.js'
import { wipeHosts, type BenchContext, type BenchTool } from '../tool.js'
import { aptInstall } from './apt.js'

const run = promisify(execFile)

export type PeerInstall = { ok: true; version: string } | { ok: false; reason: string }

/** `cap` from Debian, installed with apt-get when missing. */
export async function installCapistrano(): Promise<PeerInstall> {
  if (!(await capVersion())) {
    try {
      await aptInstall('capistrano')
    } catch (error) {
      return { ok: false, reason: `apt-get install capistrano failed: ${firstLine(error)}` }
    }
  }
  const version = await capVersion()
  return version === undefined ? { ok: false, reason: '`cap --version` failed after install' } : { ok: true, version }
}

async function capVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('cap', ['--version'])
    return /Capistrano Version: (\S+)/.exec(stdout)?.[1] ?? stdout.trim()
  } catch {
    return undefined
  }
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string }
  return ((e.stderr ?? '').trim().split('\n').at(-1) || e.message || String(error)).slice(0, 160)
}

const ruby = (value: string): string => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

export function capistranoTool(context: BenchContext): BenchTool {
  const deployTo = '/srv/cap'
  const dir = context.work
  const { fleet } = context
  const cap = (task: string) => timed('cap', ['bench', task], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } })
  return {
    name: 'capistrano',
    deployTo,
    configure: async (hosts) => {
      await mkdir(join(dir, 'config', 'deploy'), { recursive: true })
      await writeFile(
        join(dir, 'Capfile'),
        ["require 'capistrano/setup'", "require 'capistrano/deploy'", "require 'capistrano/scm/git'", 'install_plugin Capistrano::SCM::Git', ''].join('\n'),
      )
      await writeFile(
        join(dir, 'config', 'deploy.rb'),
        [
          "set :application, 'app'",
          `set :repo_url, ${ruby(context.app.bare)}`,
          "set :branch, 'main'",
          `set :deploy_to, ${ruby(deployTo)}`,
          'set :keep_releases, 5',
          'set :pty, false',
          'set :ssh_options, {',
          "  user: 'root',",
          `  port: ${fleet.port},`,
          `  keys: [${ruby(fleet.clientKey)}],`,
          '  keys_only: true,',
          "  auth_methods: ['publickey'],",
          `  user_known_hosts_file: ${ruby(fleet.knownHostsFile)},`,
          "  global_known_hosts_file: '/dev/null',",
          '  verify_host_key: :always,',
          '  non_interactive: true,',
          '  config: false,',
          '}',
          '',
        ].join('\n'),
      )
      const addresses = hosts.map((name) => fleet.hosts.find((h) => h.name === name)?.address ?? name)
      await writeFile(join(dir, 'config', 'deploy', 'bench.rb'), `${addresses.map((a) => `server ${ruby(a)}, roles: %w{app web}`).join('\n')}\n`)
    },
    reset: async () => {
      await wipeHosts(fleet, deployTo)
      if (existsSync(join(dir, 'log'))) await rm(join(dir, 'log'), { recursive: true, force: true })
    },
    deploy: () => cap('deploy'),
    rollback: () => cap('deploy:rollback'),
  }
}
