import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { HostConfig } from '../config/types.js'
import { EgressPaths } from '../transport/egress.js'
import { resolvesStarted } from '../transport/ssh-resolve.js'
import { KnownHostsFiles } from './relay-known-hosts.js'
import { relayAlias, relayTargets, resolveRelayTarget } from './relay-targets.js'

const dir = mkdtempSync(join(tmpdir(), 'berth-relay-targets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const host = (name: string, extra: Partial<HostConfig> = {}): HostConfig => ({ name, host: name, roles: ['all'], primary: false, transport: 'ssh', ...extra })

describe('what a relay is told about a host', () => {
  it('names a host by its config name when that is a plain word', () => {
    expect(relayAlias('web-7.eu', 3)).toBe('web-7.eu')
    expect(relayAlias('web 7', 3)).toBe('host-3')
    expect(relayAlias('-oProxyCommand=x', 3)).toBe('host-3')
    // Taken by no config name: two hosts' keys never share one alias.
    expect(relayAlias('host-2', 5)).toBe('host-5')
  })

  it('resolves address, port, user and the trusted keys with the real ssh -G, hashed entries included', async () => {
    const key = join(dir, 'hostkey')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
    const pub = execFileSync('cut', ['-d', ' ', '-f1,2', `${key}.pub`], { encoding: 'utf8' }).trim()
    const file = join(dir, 'known_hosts')
    writeFileSync(file, `[10.9.8.7]:2222 ${pub}\nother.example ${pub}\n`)
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' })
    const config = join(dir, 'ssh_config')
    writeFileSync(config, `Host app7\n  HostName 10.9.8.7\n  Port 2222\n  User deploy\n  UserKnownHostsFile ${file}\n  GlobalKnownHostsFile /dev/null\nHost app8\n  HostName 10.9.8.8\n  UserKnownHostsFile ${file}\n`)

    const known = new KnownHostsFiles()
    const seven = await resolveRelayTarget(host('app7'), config, 'app7', known)
    expect(seven.target).toEqual({ address: '10.9.8.7', port: 2222, user: 'deploy', alias: 'app7' })
    expect(seven.knownHosts).toEqual([`app7 ${pub}`])
    // relayAddress: another address as seen from the relay; the key is still the one this machine trusts.
    const inside = await resolveRelayTarget(host('app7', { relayAddress: { host: '192.168.1.7', port: 22 } }), config, 'x', known)
    expect(inside.target).toEqual({ address: '192.168.1.7', port: 22, user: 'deploy', alias: 'x' })
    expect(inside.knownHosts).toEqual([`x ${pub}`])
    // No key on file for it here: nothing to hand over.
    expect((await resolveRelayTarget(host('app8'), config, 'app8', known)).knownHosts).toEqual([])
  })

  it('hands over a certificate authority only under the name ssh checks the certificate against here', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'ca')])
    const ca = execFileSync('cut', ['-d', ' ', '-f1,2', `${join(dir, 'ca')}.pub`], { encoding: 'utf8' }).trim()
    const file = join(dir, 'known_hosts_ca')
    writeFileSync(file, `@cert-authority 10.9.8.11,ca.example ${ca}\n`)
    const config = join(dir, 'ssh_config_ca')
    writeFileSync(config, `Host app11\n  HostName 10.9.8.11\nHost *\n  UserKnownHostsFile ${file}\n  GlobalKnownHostsFile /dev/null\n`)
    const known = new KnownHostsFiles()
    // Here ssh checks app11's certificate against 10.9.8.11; the relay would against app11: not handed over.
    const renamed = await resolveRelayTarget(host('app11'), config, 'app11', known)
    expect(renamed).toMatchObject({ knownHosts: [], authoritiesLeftOut: true })
    const refused = await relayTargets('web1', [host('app11')], () => Promise.resolve(renamed))
    expect(refused.refused.get('app11')).toMatch(/certificate authority, which the relay would check against another name \(app11\)/)
    // The same name on both sides: the relay checks what this machine checks.
    expect((await resolveRelayTarget(host('ca.example'), config, 'ca.example', known)).knownHosts).toEqual([`@cert-authority ca.example ${ca}`])
  })

  it('asks ssh -G once per host for the whole run: a connection\'s egress path and the relay share the answer', async () => {
    const config = join(dir, 'ssh_config_proxy')
    // A proxy in the config: the egress path needs ssh -G too.
    writeFileSync(config, `Host app9\n  HostName 10.9.8.9\n  User deploy\n  ProxyJump jump\n  UserKnownHostsFile /dev/null\nHost app10\n  HostName 10.9.8.10\n`)
    const before = resolvesStarted()
    const paths = new EgressPaths(config)
    const known = new KnownHostsFiles()
    const [egress, target] = await Promise.all([paths.of({ host: 'app9', sshConfigFile: config }), resolveRelayTarget(host('app9'), config, 'app9', known)])
    expect(egress).toBe('jump:jump')
    expect(target.target).toEqual({ address: '10.9.8.9', port: 22, user: 'deploy', alias: 'app9' })
    expect(resolvesStarted() - before).toBe(1)
    // Asked again under the lock, by `check`'s probe, by another run's egress paths: no new process.
    await resolveRelayTarget(host('app9'), config, 'app9', new KnownHostsFiles())
    await new EgressPaths(config).of({ host: 'app9', sshConfigFile: config })
    expect(resolvesStarted() - before).toBe(1)
    // Another host, or the same with another user or port, is its own question.
    await resolveRelayTarget(host('app10'), config, 'app10', known)
    await resolveRelayTarget(host('app9', { user: 'other' }), config, 'app9', known)
    expect(resolvesStarted() - before).toBe(3)
  })
})
