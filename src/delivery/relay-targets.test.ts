import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { HostConfig } from '../config/types.js'
import { aliasKnownHosts, parseSshG, relayAlias, resolveRelayTarget } from './relay-targets.js'

const dir = mkdtempSync(join(tmpdir(), 'berth-relay-targets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const host = (name: string, extra: Partial<HostConfig> = {}): HostConfig => ({ name, host: name, roles: ['all'], primary: false, transport: 'ssh', ...extra })

describe('what a relay is told about a host', () => {
  it('files each key under the alias, markers kept, comments dropped', () => {
    const output = [
      '# Host [10.0.0.7]:2222 found: line 1 ',
      '|1|salt=|hash= ssh-ed25519 AAAAkey1',
      '# Host [10.0.0.7]:2222 found: line 2 REVOKED',
      '@revoked [10.0.0.7]:2222 ssh-rsa AAAAkey2 a comment',
      '',
    ].join('\n')
    expect(aliasKnownHosts(output, 'web7')).toEqual(['web7 ssh-ed25519 AAAAkey1', '@revoked web7 ssh-rsa AAAAkey2 a comment'])
  })

  it('reads ssh -G, first value of each setting', () => {
    expect(parseSshG('user root\nport 22\nuserknownhostsfile /a /b\nport 23\n')).toEqual(
      new Map([
        ['user', ['root']],
        ['port', ['22']],
        ['userknownhostsfile', ['/a', '/b']],
      ]),
    )
  })

  it('names a host by its config name when that is a plain word', () => {
    expect(relayAlias('web-7.eu', 3)).toBe('web-7.eu')
    expect(relayAlias('web 7', 3)).toBe('host-3')
    expect(relayAlias('-oProxyCommand=x', 3)).toBe('host-3')
    // Taken by no config name: two hosts' keys never share one alias.
    expect(relayAlias('host-2', 5)).toBe('host-5')
  })

  it('resolves address, port, user and the trusted keys with the real ssh -G and ssh-keygen -F, hashed entries included', async () => {
    const key = join(dir, 'hostkey')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
    const pub = execFileSync('cut', ['-d', ' ', '-f1,2', `${key}.pub`], { encoding: 'utf8' }).trim()
    const known = join(dir, 'known_hosts')
    writeFileSync(known, `[10.9.8.7]:2222 ${pub}\nother.example ${pub}\n`)
    execFileSync('ssh-keygen', ['-H', '-f', known], { stdio: 'ignore' })
    const config = join(dir, 'ssh_config')
    writeFileSync(config, `Host app7\n  HostName 10.9.8.7\n  Port 2222\n  User deploy\n  UserKnownHostsFile ${known}\n  GlobalKnownHostsFile /dev/null\nHost app8\n  HostName 10.9.8.8\n  UserKnownHostsFile ${known}\n`)

    const seven = await resolveRelayTarget(host('app7'), config, 'app7')
    expect(seven.target).toEqual({ address: '10.9.8.7', port: 2222, user: 'deploy', alias: 'app7' })
    expect(seven.knownHosts).toEqual([`app7 ${pub}`])
    // relayAddress: another address as seen from the relay; the key is still the one this machine trusts.
    const inside = await resolveRelayTarget(host('app7', { relayAddress: { host: '192.168.1.7', port: 22 } }), config, 'x')
    expect(inside.target).toEqual({ address: '192.168.1.7', port: 22, user: 'deploy', alias: 'x' })
    expect(inside.knownHosts).toEqual([`x ${pub}`])
    // No key on file for it here: nothing to hand over.
    expect((await resolveRelayTarget(host('app8'), config, 'app8')).knownHosts).toEqual([])
  })
})
