import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Fleet } from '../test/helpers/fleet.js'
import { countRefusals, giveRelayKey, writeBastionSshConfig } from './modes.js'

function fakeFleet(dir: string): Fleet {
  const host = (name: string, address: string) => ({ name, address, port: 2222, dir: join(dir, name), logFile: join(dir, `${name}.log`) })
  writeFileSync(join(dir, 'client_ed25519'), 'PRIVATE KEY\n')
  return {
    hosts: [host('web1', '127.0.0.11'), host('web2', '127.0.0.12')],
    bastion: host('bastion', '127.0.1.50'),
    port: 2222,
    user: 'root',
    sshConfigFile: join(dir, 'ssh_config'),
    knownHostsFile: join(dir, 'known_hosts'),
    clientKey: join(dir, 'client_ed25519'),
    homeDir: (name: string) => join(dir, 'homes', name),
  } as unknown as Fleet
}

describe('the bench\'s delivery-mode setup', () => {
  it('writes an ssh_config where every web host jumps through the bastion, and the bastion does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-modes-'))
    const text = readFileSync(await writeBastionSshConfig(fakeFleet(dir), join(dir, 'cfg')), 'utf8')
    expect(text).toContain('Host web1\n  HostName 127.0.0.11\n  Port 2222\n  User root\n  ProxyJump bastion')
    expect(text).toContain('Host web2\n  HostName 127.0.0.12\n  Port 2222\n  User root\n  ProxyJump bastion')
    expect(text).toMatch(/Host bastion\n {2}HostName 127\.0\.1\.50\n {2}Port 2222\n {2}User root\n\n/)
    expect(text).toContain('StrictHostKeyChecking yes')
  })

  it('gives the relay the fleet\'s key, readable by its owner only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-modes-'))
    await giveRelayKey(fakeFleet(dir), 'web1')
    const key = join(dir, 'homes', 'web1', '.ssh', 'id_ed25519')
    expect(readFileSync(key, 'utf8')).toBe('PRIVATE KEY\n')
    expect(statSync(key).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'homes', 'web1', '.ssh')).mode & 0o777).toBe(0o700)
  })

  it('counts sshd\'s MaxStartups refusals in its log', () => {
    const log = [
      'Server listening on 127.0.1.50 port 2222.',
      'beginning MaxStartups throttling',
      'drop connection #10 from [127.0.0.1]:51234 on [127.0.1.50]:2222 past MaxStartups',
      'Accepted publickey for root from 127.0.0.1 port 51236 ssh2: ED25519 SHA256:x',
    ].join('\n')
    expect(countRefusals(log)).toBe(2)
    expect(countRefusals('Accepted publickey for root\n')).toBe(0)
  })
})
