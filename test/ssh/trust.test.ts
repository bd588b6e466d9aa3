/**
 * Who berth trusts and what it reveals: host keys (tampered, unknown, accepted on first
 * use), the client key, a host reached only through a bastion (ProxyJump), and secrets
 * that reach hooks over ssh but never any output, file or process argv.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost, THREE_HOSTS, type FleetConfigOptions } from './fleet-project.js'

let fleet: Fleet
const projects: Project[] = []
const NAMES = ['web1', 'web2', 'web3']

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3, bastion: true })
})
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

function project(app: string, options: Omit<FleetConfigOptions, 'app'> = {}): Project {
  const created = fleetProject(fleet, { app, ...options })
  projects.push(created)
  return created
}

/** Nothing of this app exists on any host: no lock taken, no release made. */
function untouched(app: string): void {
  for (const name of NAMES) expect(onHost(fleet, name, app).exists('.'), name).toBe(false)
}

function newKey(name: string): string {
  const file = join(fleet.root, name)
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file])
  return file
}

describe('host keys', () => {
  it('refuses a host whose key does not match known_hosts, naming it, before anything runs anywhere', async () => {
    const other = readFileSync(`${newKey('impostor')}.pub`, 'utf8').trim().split(/\s+/)
    const web2 = `[127.0.0.12]:${fleet.port}`
    const lines = readFileSync(fleet.knownHostsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (line.startsWith(`${web2} `) ? `${web2} ${other[0]} ${other[1]}` : line))
    const knownHostsFile = join(fleet.root, 'known_hosts.tampered')
    writeFileSync(knownHostsFile, `${lines.join('\n')}\n`)
    const sshConfigFile = await fleet.writeSshConfig({ file: join(fleet.root, 'ssh_config.tampered'), knownHostsFile })

    const result = await project('tampered', { sshConfigFile }).berth(['deploy', 'production'])
    expect(result.code, all(result)).toBe(1)
    expect(all(result)).toMatch(/web2: host key does not match known_hosts/)
    expect(all(result)).not.toMatch(/web[13]: host key/)
    expect(all(result)).toContain(`Host key for ${web2} has changed`)
    expect(all(result)).toContain(`ssh-keygen -f "${knownHostsFile}" -R "${web2}"`)
    untouched('tampered')
  })

  it('refuses an unknown host key by default, and records it with accept-new', async () => {
    const knownHostsFile = join(fleet.root, 'known_hosts.empty')
    writeFileSync(knownHostsFile, '')
    const sshConfigFile = await fleet.writeSshConfig({ file: join(fleet.root, 'ssh_config.empty'), knownHostsFile })

    const refused = await project('unknown-key', { sshConfigFile }).berth(['deploy', 'production'])
    expect(refused.code, all(refused)).toBe(1)
    expect(all(refused)).toMatch(/host key is not known/)
    expect(all(refused)).toContain('accept-new')
    untouched('unknown-key')
    expect(readFileSync(knownHostsFile, 'utf8')).toBe('')

    const accepting = project('accept-new', { sshConfigFile, ssh: 'strictHostKeyChecking: accept-new' })
    const accepted = await accepting.berth(['deploy', 'production', '-q'])
    expect(accepted.code, all(accepted)).toBe(0)
    const recorded = readFileSync(knownHostsFile, 'utf8')
    for (const address of ['127.0.0.11', '127.0.0.12', '127.0.0.13']) expect(recorded).toContain(`[${address}]:${fleet.port} ssh-ed25519 `)
    for (const name of NAMES) expect(onHost(fleet, name, 'accept-new').live()).not.toBeNull()
  })
})

describe('client key', () => {
  it('refuses with a clear authentication message when the server does not know the key', async () => {
    const sshConfigFile = await fleet.writeSshConfig({ file: join(fleet.root, 'ssh_config.wrongkey'), identityFile: newKey('stranger') })
    const result = await project('wrong-key', { sshConfigFile }).berth(['deploy', 'production'])
    expect(result.code, all(result)).toBe(1)
    for (const name of NAMES) expect(all(result)).toMatch(new RegExp(`${name}: authentication failed`))
    expect(all(result)).toContain('ssh -v')
    untouched('wrong-key')
  })
})

describe('ProxyJump', () => {
  it('deploys to a host reachable only through the bastion', async () => {
    const behind = project('jump', { hosts: ['- { host: behind, roles: [web] }'] })
    const result = await behind.berth(['deploy', 'production', '-q'])
    expect(result.code, all(result)).toBe(0)
    const host = onHost(fleet, 'behind', 'jump')
    expect(host.read('current/index.html')).toBe('<h1>v1</h1>\n')
    expect(onHost(fleet, 'bastion', 'jump').exists('.')).toBe(false)
    const run = await behind.berth(['run', 'production', '--', 'echo "here:$BERTH_HOST"'])
    expect(run.stdout).toContain('behind | here:behind')
  })
})

describe('secrets', () => {
  it('reach the hook over ssh, and appear in no output, no file and no argv on this machine', async () => {
    const token = `tok-${randomBytes(12).toString('hex')}`
    const app = 'secrets'
    const secret = project(app, {
      hosts: THREE_HOSTS,
      extra: [
        'secrets: [API_TOKEN]',
        'hooks:',
        '  build:',
        '    - run: echo "token is $API_TOKEN"; echo "$API_TOKEN" > __BASE__/seen-$BERTH_HOST; ps -eo args > __BASE__/ps-$BERTH_HOST',
        '  migrate:',
        '    - { run: echo "$API_TOKEN" >&2; exit 3, roles: [db], once: true }',
      ],
    })
    const env = { API_TOKEN: token }
    const outputs = [
      await secret.berth(['deploy', 'production'], { env }),
      await secret.berth(['deploy', 'production', '--json'], { env }),
      await secret.berth(['deploy', 'production', '-v'], { env }),
    ]
    for (const output of outputs) {
      expect(output.code, all(output)).toBe(1)
      expect(all(output)).not.toContain(token)
    }
    expect(all(outputs[0]!)).toMatch(/web1 \| token is \S+/)
    for (const name of NAMES) {
      expect(readFileSync(join(secret.base, `seen-${name}`), 'utf8')).toBe(`${token}\n`)
      const ps = readFileSync(join(secret.base, `ps-${name}`), 'utf8')
      expect(ps).toContain('ps -eo args')
      expect(ps).toMatch(/ssh .*web\d/)
      expect(ps).not.toContain(token)
      for (const file of filesUnder(join(fleet.hostDir(name), app))) expect(readFileSync(file, 'utf8'), file).not.toContain(token)
    }
  })
})

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => join(dir, path))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true)
}
