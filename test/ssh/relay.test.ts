/**
 * `delivery.via: relay` on four real sshd hosts, with the built CLI: the relays really open
 * their own ssh connections to the other hosts (their keys show up in those hosts' sshd
 * logs), and this machine's ssh clients send the release once, not once per host (counted
 * by an `ssh` shim on PATH that makes every client log what it transferred).
 */
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import { createProject, type Project } from '../helpers/project.js'
import { all, fleetProject, onHost, type HostView } from './fleet-project.js'

let fleet: Fleet
const projects: Project[] = []
const NAMES = ['web1', 'web2', 'web3', 'web4']
const HOSTS = ['- { host: web1, roles: [web], primary: true }', '- { host: web2, roles: [web] }', '- { host: web3, roles: [web] }', '- { host: web4, roles: [web] }']
/** Incompressible enough that gzip cannot hide how many times it was sent. */
const BIG = randomBytes(1_200_000).toString('base64')

beforeAll(async () => {
  // web1 and web3 can log in to every host with keys of their own; web2 has none.
  fleet = await startFleet({ hosts: 4, hostKeys: ['web1', 'web3'] })
})
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

function setup(app: string, delivery: string[], options: { hosts?: string[]; extra?: string[] } = {}): { project: Project; hosts: HostView[] } {
  const project = fleetProject(fleet, { app, hosts: options.hosts ?? HOSTS, extra: [...delivery, ...(options.extra ?? [])] }, { 'big.txt': BIG })
  projects.push(project)
  return { project, hosts: NAMES.map((name) => onHost(fleet, name, app)) }
}

/** An `ssh` first on PATH that has every client log "Transferred: sent N" (as bench/traffic.ts). */
function trafficMeter(project: Project): { env: NodeJS.ProcessEnv; sent(): number } {
  const bin = join(project.base, 'meter-bin')
  const logs = join(project.base, 'meter-logs')
  mkdirSync(bin, { recursive: true })
  mkdirSync(logs, { recursive: true })
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -E "${logs}/ssh.$$.log" -o LogLevel=VERBOSE "$@"\n`)
  chmodSync(join(bin, 'ssh'), 0o755)
  return {
    env: { PATH: `${bin}:${process.env.PATH ?? ''}` },
    sent: () =>
      readdirSync(logs)
        .flatMap((file) => [...readFileSync(join(logs, file), 'utf8').matchAll(/Transferred: sent (\d+), received \d+ bytes/g)].map((m) => Number(m[1])))
        .reduce((a, b) => a + b, 0),
  }
}

/** The SHA256 fingerprint sshd logs for a login with this public key. */
function fingerprint(publicKeyFile: string): string {
  return execFileSync('ssh-keygen', ['-l', '-f', publicKeyFile], { encoding: 'utf8' }).split(' ')[1]!
}
const logOf = (name: string): string => readFileSync(join(fleet.root, 'hosts', name, 'sshd.log'), 'utf8')
const events = (stdout: string): Record<string, unknown>[] => stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)

describe('delivery through a relay', () => {
  it('sends the release once to the primary, which passes it on over its own connections; a redeploy sends the change once, and unchanged files are copied from each live release', async () => {
    const { project, hosts } = setup('relayed', ['delivery: { via: relay }'])
    const meter = trafficMeter(project)
    const relayKey = fingerprint(fleet.homeKey('web1'))

    const plan = await project.berth(['deploy', 'production', '--plan'])
    expect(plan.code, all(plan)).toBe(0)
    expect(plan.stdout).toContain('relay web1: the release goes there once, and on from it to web2, web3, web4')

    const first = await project.berth(['deploy', 'production', '--json'], { env: meter.env })
    expect(first.code, all(first)).toBe(0)
    const firstSent = meter.sent()
    // Four hosts, one copy of the release out of this machine (direct would send four).
    expect(firstSent).toBeGreaterThan(BIG.length * 0.5)
    expect(firstSent).toBeLessThan(BIG.length * 1.5)
    const done = events(first.stdout).filter((event) => event.kind === 'relay:done')
    expect(done).toEqual([expect.objectContaining({ host: 'web1', hosts: NAMES, failed: [] })])
    const v1 = hosts[0]!.live()!
    NAMES.forEach((name, i) => {
      const host = hosts[i]!
      expect(host.live()).toBe(v1)
      expect(host.read('current/big.txt')).toBe(BIG)
      // Nothing of the relayed stream is left beside the release, nor on the relay.
      expect(readdirSync(join(fleet.hostDir(name), 'relayed', 'releases'))).toEqual([v1])
      expect(readdirSync(join(fleet.hostDir(name), 'relayed', '.berth')).filter((file) => file.startsWith('relay-'))).toEqual([])
    })
    // The relay logged in to each other host with its own key; nobody logged in to the relay with it.
    for (const name of ['web2', 'web3', 'web4']) expect(logOf(name)).toContain(relayKey)
    expect(logOf('web1')).not.toContain(relayKey)

    project.commit({ 'index.html': '<h1>v2</h1>\n' })
    const before = meter.sent()
    const second = await project.berth(['deploy', 'production', '-q'], { env: meter.env })
    expect(second.code, all(second)).toBe(0)
    expect(meter.sent() - before).toBeLessThan(BIG.length * 0.25)
    for (const host of hosts) {
      const v2 = host.live()!
      expect(v2).not.toBe(v1)
      expect(host.read('current/index.html')).toBe('<h1>v2</h1>\n')
      expect(host.read('current/big.txt')).toBe(BIG)
      expect(host.state(v1)).toBe('ready')
    }
    // Copied, not linked: the live release's file is its own.
    const dir = join(fleet.hostDir('web3'), 'relayed', 'releases')
    const [old, now] = [statSync(join(dir, v1, 'big.txt')), statSync(join(dir, hosts[2]!.live()!, 'big.txt'))]
    expect(now.ino).not.toBe(old.ino)
    expect(now.nlink).toBe(1)
  })

  it('refuses a host whose key is not the one this machine trusts for it (strict on the relay too): that host fails named with the reason, and no host switches', async () => {
    // web3's address as seen from the relay leads to web4's sshd: its key is not web3's.
    const web4 = fleet.hosts.find((host) => host.name === 'web4')!
    const hostLines = HOSTS.map((line) => (line.includes('web3') ? `- { host: web3, roles: [web], relayAddress: "${web4.address}:${web4.port}" }` : line))
    const { project, hosts } = setup('strict', ['delivery: { via: relay }'], { hosts: hostLines })
    const first = await project.berth(['deploy', 'production', '-q', '--hosts', 'web1,web2'])
    expect(first.code, all(first)).toBe(0)
    const v1 = hosts[0]!.live()
    project.commit({ 'index.html': 'v2' })
    const failed = await project.berth(['deploy', 'production'])
    expect(failed.code, all(failed)).not.toBe(0)
    expect(all(failed)).toMatch(/web3[^\n]*fetch|fetch[^\n]*web3/)
    expect(all(failed)).toMatch(/relay web1 could not reach web3: [^\n]*has changed and you have requested strict checking\. Host key verification failed\./)
    expect(hosts.map((host) => host.live())).toEqual([v1, v1, null, null])

    // check says the same before any deploy would: from the relay, per host.
    const check = await project.berth(['check', 'production'])
    expect(check.code, all(check)).toBe(1)
    expect(check.stdout).toMatch(/✓ web1: connected [^\n]*sh tar mkdir ln mv readlink ssh xargs;/)
    expect(check.stdout).toMatch(/✗ web3: connected [^\n]*\n {4}problem: relay web1 cannot reach web3: [^\n]*Host key verification failed\./)
    expect(check.stdout).toMatch(/✓ web4: [^\n]*reachable from relay web1/)
  })

  it('logs in from a relay without a key of its own through the deployer agent, forwarded to the relay only', async () => {
    const agentDir = join(fleet.root, 'agent')
    mkdirSync(agentDir, { recursive: true })
    const socket = join(agentDir, 'sock')
    // The test's own agent, holding the deployer's key; stopped by its pid.
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' })
    try {
      for (let i = 0; i < 100 && !safeExists(socket); i++) await new Promise((resolve) => setTimeout(resolve, 20))
      execFileSync('ssh-add', ['-q', fleet.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' })
      const probe = ['hooks:', '  after_fetch:', '    - run: echo "${SSH_AUTH_SOCK:-none}" > /srv/agent/agent-$BERTH_HOST']
      const env = { SSH_AUTH_SOCK: socket }

      // Without the agent, web2 has no way to log in to the others: they fail, and nobody switches.
      const without = setup('agent', ['delivery: { via: relay, relays: [web2] }'], { extra: probe })
      const refused = await without.project.berth(['deploy', 'production'], { env })
      expect(refused.code, all(refused)).not.toBe(0)
      expect(all(refused)).toMatch(/relay web2 could not reach web1: [^\n]*Permission denied/)
      expect(without.hosts.map((host) => host.live())).toEqual([null, null, null, null])

      const { project, hosts } = setup('agent', ['delivery: { via: relay, relays: [web2], forwardAgent: true }'], { extra: probe })
      const before = await Promise.all(NAMES.map((name) => fleet.countLogins(name)))
      const result = await project.berth(['deploy', 'production', '-q'], { env })
      expect(result.code, all(result)).toBe(0)
      for (const host of hosts) expect(host.read('current/big.txt')).toBe(BIG)
      // Each other host: berth's own login and the relay's.
      const after = await Promise.all(NAMES.map((name) => fleet.countLogins(name)))
      expect(after.map((count, i) => count - before[i]!)).toEqual([2, 1, 2, 2])
      // Only the relay's sessions see an agent.
      expect(hosts[1]!.read('agent-web2').trim()).not.toBe('none')
      for (const i of [0, 2, 3]) expect(hosts[i]!.read(`agent-${NAMES[i]}`).trim()).toBe('none')
    } finally {
      agent.kill()
    }
  })

  it('spreads the hosts over two relays, each passing the release on with its own key', async () => {
    const { project, hosts } = setup('two', ['delivery: { via: relay, relays: [web1, web3] }'])
    const plan = await project.berth(['deploy', 'production', '--plan', '--json'])
    expect((JSON.parse(plan.stdout) as { data: { relays: unknown } }).data.relays).toEqual({
      routes: [
        { relay: 'web1', hosts: ['web1', 'web2'] },
        { relay: 'web3', hosts: ['web3', 'web4'] },
      ],
      direct: [],
    })
    // The hosts' logs are the fleet's: only what this deploy adds counts.
    const from = new Map(NAMES.map((name) => [name, logOf(name).length]))
    const result = await project.berth(['deploy', 'production', '--json'])
    expect(result.code, all(result)).toBe(0)
    const logSince = (name: string): string => logOf(name).slice(from.get(name))
    const done = events(result.stdout).filter((event) => event.kind === 'relay:done')
    expect(done.map((event) => [event.host, event.hosts]).sort()).toEqual([
      ['web1', ['web1', 'web2']],
      ['web3', ['web3', 'web4']],
    ])
    for (const host of hosts) expect(host.read('current/big.txt')).toBe(BIG)
    expect(logSince('web2')).toContain(fingerprint(fleet.homeKey('web1')))
    expect(logSince('web2')).not.toContain(fingerprint(fleet.homeKey('web3')))
    expect(logSince('web4')).toContain(fingerprint(fleet.homeKey('web3')))
    expect(logSince('web4')).not.toContain(fingerprint(fleet.homeKey('web1')))

    const check = await project.berth(['check', 'production'])
    expect(check.code, all(check)).toBe(0)
    expect(check.stdout).toMatch(/✓ web2: .*reachable from relay web1/)
    expect(check.stdout).toMatch(/✓ web4: .*reachable from relay web3/)

    // A relay that cannot pass anything on (its xargs fails, through a PATH its login shell
    // sets) takes down its own hosts only, named with the reason; nobody switches.
    const home = join(fleet.root, 'hosts', 'web3', 'home')
    const bashrc = readFileSync(join(home, '.bashrc'), 'utf8')
    mkdirSync(join(home, 'broken-bin'), { recursive: true })
    writeFileSync(join(home, 'broken-bin', 'xargs'), '#!/bin/sh\necho "xargs: broken on purpose" >&2\nexit 1\n', { mode: 0o755 })
    writeFileSync(join(home, '.bashrc'), `export PATH=/root/broken-bin:$PATH\n${bashrc}`)
    try {
      const v1 = hosts[0]!.live()
      project.commit({ 'index.html': 'v2' })
      const failed = await project.berth(['deploy', 'production'])
      expect(failed.code, all(failed)).not.toBe(0)
      expect(all(failed)).toContain("relay web3 could not pass the release on: xargs: broken on purpose (`pass the release on to web3, web4` exited with code 1)")
      expect(all(failed)).toMatch(/web3 +\S+ +✗ failed at fetch/)
      expect(all(failed)).toMatch(/web4 +\S+ +✗ failed at fetch/)
      expect(all(failed)).toMatch(/web1 +\S+ +– stopped at fetch/)
      expect(all(failed)).toMatch(/web2 +\S+ +– stopped at fetch/)
      expect(hosts.map((host) => host.live())).toEqual([v1, v1, v1, v1])
    } finally {
      writeFileSync(join(home, '.bashrc'), bashrc)
    }
  })
})

describe('promoting through a relay', () => {
  it('ships the artifact staging runs once to the production relay, which passes it on', async () => {
    const config = [
      'app: promoted',
      'deployTo: /srv/promoted',
      `ssh: { config: ${fleet.sshConfigFile} }`,
      'environments:',
      '  staging:',
      '    hosts: [{ host: web1 }]',
      '  production:',
      '    hosts: [{ host: web3, primary: true }, { host: web4 }]',
      '    delivery: { via: relay }',
      '',
    ].join('\n')
    const project = createProject(config, { 'big.txt': BIG })
    projects.push(project)
    const staged = await project.berth(['deploy', 'staging', '-q'])
    expect(staged.code, all(staged)).toBe(0)
    const release = onHost(fleet, 'web1', 'promoted').live()
    const from = logOf('web4').length
    const promoted = await project.berth(['promote', 'staging', 'production', '--json'])
    expect(promoted.code, all(promoted)).toBe(0)
    expect(events(promoted.stdout).filter((event) => event.kind === 'relay:done')).toEqual([expect.objectContaining({ host: 'web3', hosts: ['web3', 'web4'], failed: [] })])
    for (const name of ['web3', 'web4']) {
      expect(onHost(fleet, name, 'promoted').live()).toBe(release)
      expect(onHost(fleet, name, 'promoted').read('current/big.txt')).toBe(BIG)
    }
    expect(logOf('web4').slice(from)).toContain(fingerprint(fleet.homeKey('web3')))
  })
})

function safeExists(path: string): boolean {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}
