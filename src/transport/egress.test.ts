import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { shellJoin } from './quote.js'
import { EgressPaths, egressOf, mentionsProxy, sshConfigFiles } from './egress.js'
import { buildResolveArgs, parseSshG } from './ssh-resolve.js'

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-egress-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

describe('egress path', () => {
  it('reads the proxy from ssh -G output', () => {
    expect(egressOf(parseSshG('hostname 127.0.0.11\nport 22\nproxyusefdpass no\nproxyjump bastion\n'))).toBe('jump:bastion')
    expect(egressOf(parseSshG('proxycommand ssh -W %h:%p jump\n'))).toBe('command:ssh -W %h:%p jump')
    expect(egressOf(parseSshG('hostname 127.0.0.11\nproxyusefdpass no\nproxyjump none\n'))).toBeUndefined()
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

  it('asks ssh -G with the same config, user and port as the connection', () => {
    expect(shellJoin(buildResolveArgs({ host: 'web 1', sshConfigFile: '/a b/config', user: 'deploy', port: 2222 }))).toBe("-G -F '/a b/config' -l deploy -p 2222 -- 'web 1'")
    expect(buildResolveArgs({ host: 'web1' })).toEqual(['-G', '--', 'web1'])
  })

  it('reads -F alone, or the user\'s config then the system\'s', () => {
    expect(sshConfigFiles('/x/cfg', '/home/u')).toEqual([{ file: '/x/cfg', base: '/home/u/.ssh' }])
    expect(sshConfigFiles(undefined, '/home/u').map((f) => f.file)).toEqual(['/home/u/.ssh/config', '/etc/ssh/ssh_config'])
  })

  it('sees a proxy in a config, through relative, tilde and wildcard Includes', async () => {
    const home = tree({
      'plain/config': 'Host *\n  User deploy\n',
      'direct/config': 'Host web*\n  HostName 10.0.0.1\n  ProxyJump bastion\n',
      '.ssh/config': 'Include conf.d/*.conf\n',
      '.ssh/conf.d/a.conf': 'Host a\n  Port 22\n',
      '.ssh/conf.d/b.conf': 'Include ~/deep/x\n',
      'deep/x': '  proxycommand ssh -W %h:%p jump\n',
      'loop/config': 'Include config\n',
    })
    const at = (file: string) => [{ file: join(home, file), base: join(home, '.ssh') }]
    expect(await mentionsProxy(at('plain/config'), home)).toBe(false)
    expect(await mentionsProxy(at('direct/config'), home)).toBe(true)
    expect(await mentionsProxy(at('.ssh/config'), home)).toBe(true)
    expect(await mentionsProxy(at('missing'), home)).toBe(false)
    // An Include of itself ends at ssh's own nesting limit.
    expect(await mentionsProxy([{ file: join(home, 'loop/config'), base: join(home, 'loop') }], home)).toBe(false)
  })

  it('runs no ssh -G when no config mentions a proxy, and resolves each host once otherwise', async () => {
    const dir = tree({
      'none': 'Host web1\n  HostName 127.0.0.11\n',
      'jump': 'Host web1\n  HostName 127.0.0.11\n  ProxyJump bastion\n\nHost web2\n  HostName 127.0.0.12\n',
    })
    expect(await new EgressPaths(join(dir, 'none')).of({ host: 'web1', sshConfigFile: join(dir, 'none') })).toBeUndefined()
    const paths = new EgressPaths(join(dir, 'jump'))
    const target = { host: 'web1', sshConfigFile: join(dir, 'jump') }
    expect(await paths.of(target)).toBe('jump:bastion')
    expect(paths.of(target)).toBe(paths.of(target))
    expect(await paths.of({ ...target, host: 'web2' })).toBeUndefined()
    // ssh agrees with the parse above.
    expect(execFileSync('ssh', buildResolveArgs(target), { encoding: 'utf8' })).toMatch(/^proxyjump bastion$/m)
  })
})
