import { describe, expect, it } from 'vitest'
import { HOOK_NAMES, type HookEntry, type HookName, type HostConfig, type ResolvedConfig } from '../config/types.js'
import { planDeploy } from './plan.js'

const host = (name: string, roles: string[], primary = false): HostConfig => ({ name, host: name, roles: ['all', ...roles], primary, transport: 'ssh' })
const entry = (run: string, extra: Partial<HookEntry> = {}): HookEntry => ({ run, local: false, once: false, env: {}, source: 'test', ...extra })

function config(hooks: Partial<Record<HookName, HookEntry[]>>): ResolvedConfig {
  const all = Object.fromEntries(HOOK_NAMES.map((name) => [name, hooks[name] ?? []])) as Record<HookName, HookEntry[]>
  return {
    configFile: '/app/berth.yml',
    rootDir: '/app',
    app: 'shop',
    environment: 'production',
    repo: '/app',
    ref: 'main',
    deployTo: '/srv/shop',
    keepReleases: 5,
    strategy: 'upload',
    delivery: { via: 'direct' },
    build: [],
    shared: { files: ['.env'], dirs: ['log'] },
    env: {},
    secrets: [],
    secretValues: [],
    ssh: { forwardAgent: false, strictHostKeyChecking: 'yes', connectTimeoutMs: 10_000 },
    hosts: [host('web1', ['web']), host('web2', ['web']), host('db1', ['db'], true)],
    onFailure: { kind: 'abort' },
    notify: [],
    templates: [],
    hooks: all,
    reuse: [],
  }
}

const input = (c: ResolvedConfig) => ({ sha: 'a'.repeat(40), ref: 'main', release: '20261123T171500-aaaaaaa', hosts: c.hosts, repoHooks: new Map() })

describe('planDeploy', () => {
  it('runs the steps in the documented order', () => {
    const c = config({})
    expect(planDeploy(c, input(c)).steps.map((s) => s.step)).toEqual([
      'lock', 'fetch', 'release', 'link', 'build', 'migrate', 'switch', 'restart', 'verify', 'cleanup', 'unlock',
    ])
  })

  it('puts a once/roles hook on the primary of the selected role only', () => {
    const c = config({ migrate: [entry('npm run migrate', { roles: ['db'], once: true })], restart: [entry('touch tmp/restart.txt', { roles: ['web'] })] })
    const plan = planDeploy(c, input(c))
    const migrate = plan.steps.find((s) => s.step === 'migrate')!
    expect(migrate.hosts.db1!.map((a) => (a.kind === 'hook' ? a.invocation.display : a.what))).toEqual(['npm run migrate'])
    expect(migrate.hosts.web1).toEqual([])
    const restart = plan.steps.find((s) => s.step === 'restart')!
    expect(Object.entries(restart.hosts).filter(([, a]) => a.length > 0).map(([h]) => h)).toEqual(['web1', 'web2'])
  })

  it('runs a once hook without roles on the primary host', () => {
    const c = config({ after_switch: [entry('notify', { once: true })] })
    const sw = planDeploy(c, input(c)).steps.find((s) => s.step === 'switch')!
    expect(Object.entries(sw.hosts).map(([h, a]) => [h, a.length])).toEqual([['web1', 1], ['web2', 1], ['db1', 2]])
  })

  it('orders before hooks, the step itself, then after hooks; in-repo hooks after the config', () => {
    const c = config({ before_switch: [entry('echo before')], after_switch: [entry('echo after')] })
    const plan = planDeploy(c, { ...input(c), repoHooks: new Map([['after_switch', ['deploy/after_switch.sh']]]) })
    const actions = plan.steps.find((s) => s.step === 'switch')!.hosts.web1!
    expect(actions.map((a) => (a.kind === 'hook' ? a.invocation.display : 'SWITCH'))).toEqual(['echo before', 'SWITCH', 'echo after', 'deploy/after_switch.sh'])
  })

  it('runs hooks in the release, or in deployTo before the release exists, and quotes cwd', () => {
    const c = config({ before_fetch: [entry('df -h')], build: [entry('npm ci', { cwd: "sub dir/it's" })] })
    const plan = planDeploy(c, input(c))
    const [fetch] = plan.steps.find((s) => s.step === 'fetch')!.hosts.web1!
    expect(fetch?.kind === 'hook' && fetch.invocation.command).toBe("cd /srv/shop || exit 1\ndf -h")
    const [build] = plan.steps.find((s) => s.step === 'build')!.hosts.web1!
    expect(build?.kind === 'hook' && build.invocation.command).toBe("cd '/srv/shop/releases/20261123T171500-aaaaaaa/sub dir/it'\\''s' || exit 1\nnpm ci")
  })

  it('creates deployTo for before_lock hooks, which run before anything exists on a fresh host', () => {
    const c = config({ before_lock: [entry('df -h')], after_lock: [entry('uptime')] })
    const lock = planDeploy(c, input(c)).steps.find((s) => s.step === 'lock')!.hosts.web1!
    const commands = lock.map((action) => (action.kind === 'hook' ? action.invocation.command : 'LOCK'))
    expect(commands).toEqual(['mkdir -p /srv/shop && cd /srv/shop || exit 1\ndf -h', 'LOCK', 'cd /srv/shop || exit 1\nuptime'])
  })

  it('runs local hooks once, on this machine, outside the host actions', () => {
    const c = config({ after_verify: [entry('curl -X POST chat', { local: true })] })
    const verify = planDeploy(c, input(c)).steps.find((s) => s.step === 'verify')!
    expect(verify.localAfter.map((i) => [i.display, i.cwd])).toEqual([['curl -X POST chat', '/app']])
    expect(Object.values(verify.hosts).flat()).toEqual([])
  })
  it('runs a become hook through sudo, keeping its environment out of argv', () => {
    const c = config({ restart: [entry("systemctl restart 'shop'", { become: 'root' })] })
    const [restart] = planDeploy(c, input(c)).steps.find((s) => s.step === 'restart')!.hosts.web1!
    expect(restart?.kind === 'hook' && restart.invocation.command).toBe(
      "cd /srv/shop/releases/20261123T171500-aaaaaaa || exit 1\nexec sudo -n -E -u root -- sh -c 'systemctl restart '\\''shop'\\'''",
    )
  })
})

describe('planDeploy: berth\'s own host commands and round trips', () => {
  const builtin = (plan: ReturnType<typeof planDeploy>, step: string, host = 'web1') =>
    plan.steps.find((s) => s.step === step)!.hosts[host]!.find((a) => a.kind === 'builtin')

  it('carries the exact host command of each built-in step, with what the hosts decide marked <…>', () => {
    const c = config({})
    const plan = planDeploy(c, input(c))
    expect(builtin(plan, 'release')).toBeUndefined()
    const fetch = builtin(plan, 'fetch')
    expect(fetch?.kind === 'builtin' && fetch.command).toContain('tar -x <-z when the stream is gzipped> -m -i -f - --no-same-owner -C /srv/shop/releases')
    // REVISION is written in the same round trip: the release is complete for every hook after fetch.
    expect(fetch?.kind === 'builtin' && fetch.command).toContain(
      "printf '%s\\n' aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa > /srv/shop/releases/20261123T171500-aaaaaaa/REVISION.tmp && mv -f /srv/shop/releases/20261123T171500-aaaaaaa/REVISION.tmp /srv/shop/releases/20261123T171500-aaaaaaa/REVISION",
    )
    const cleanup = builtin(plan, 'cleanup')
    expect(cleanup?.kind === 'builtin' && cleanup.command).toBe('rm -rf <releases beyond the newest 5 good ones, and failed ones>')
    const unlock = builtin(plan, 'unlock')
    expect(unlock?.kind === 'builtin' && unlock.command).toMatch(/\[ "\$__berth_token" = '?<token>'? \]; then rm -rf \/srv\/shop\/\.berth\/lock; fi$/)
  })

  it('joins fetch and link into one round trip, and cleanup with unlock, when no hook runs between them', () => {
    const c = config({})
    const plan = planDeploy(c, input(c))
    const summary = (step: string) => {
      const a = builtin(plan, step)
      return a?.kind === 'builtin' ? { joins: a.joins, joinedTo: a.joinedTo } : null
    }
    expect(summary('fetch')).toEqual({ joins: ['link'], joinedTo: undefined })
    expect(summary('release')).toBeNull()
    expect(summary('link')).toEqual({ joins: undefined, joinedTo: 'fetch' })
    expect(summary('switch')).toEqual({ joins: undefined, joinedTo: undefined })
    expect(summary('cleanup')).toEqual({ joins: ['unlock'], joinedTo: undefined })
    expect(summary('unlock')).toEqual({ joins: undefined, joinedTo: 'cleanup' })
  })

  it('takes reused directories in the fetch round trip, before the hook that installs them, which records their keys', () => {
    const c = { ...config({ build: [entry('npm ci', { installs: ['node_modules'] }), entry('npm run build')] }), reuse: [{ path: 'node_modules', key: ['package-lock.json'], runtime: 'node --version', installers: ['npm ci'] }] }
    const plan = planDeploy(c, input(c))
    const fetch = builtin(plan, 'fetch')
    expect(fetch?.kind === 'builtin' ? fetch.joins : null).toEqual(['link', 'build'])
    const build = plan.steps.find((s) => s.step === 'build')!.hosts.web1!
    expect(build.map((a) => a.kind)).toEqual(['builtin', 'hook', 'hook'])
    const [, install, other] = build
    expect(install?.kind === 'hook' ? install.invocation.installs : null).toEqual(['node_modules'])
    expect(install?.kind === 'hook' ? install.invocation.command : '').toMatch(/^\( cd [^\n]+ \|\| exit 1\nnpm ci\n\) \|\| exit \$\?\nif \[ -f \/srv\/shop\/\.berth\/releases\/20261123T171500-aaaaaaa\.deps\/node_modules\.pending \]/)
    expect(other?.kind === 'hook' ? [other.invocation.installs, other.invocation.command.includes('.deps')] : null).toEqual([undefined, false])
  })

  it('gives the link its own round trip when it carries templates (a round trip has one stdin: the fetch\'s is the release)', () => {
    const c = { ...config({}), templates: [{ src: 'config/database.yml.tmpl', dest: 'config/database.yml', source: 'templates[0]' }] }
    const plan = planDeploy(c, input(c))
    const link = builtin(plan, 'link')
    expect(link).toMatchObject({ what: 'link from shared/: log, .env, config/database.yml; render templates (0600): config/database.yml.tmpl → shared/config/database.yml' })
    const fetch = builtin(plan, 'fetch')
    expect([link?.kind === 'builtin' ? link.joinedTo : 'none', fetch?.kind === 'builtin' ? fetch.joins : 'none']).toEqual([undefined, undefined])
    expect(link?.kind === 'builtin' && link.command).toContain('tar -x -f - --no-same-owner -C /srv/shop/.berth/templates-20261123T171500-aaaaaaa')
    expect(link?.kind === 'builtin' && link.command).toContain('ln -s /srv/shop/shared/config/database.yml /srv/shop/releases/20261123T171500-aaaaaaa/config/database.yml')
  })

  it('keeps a step in its own round trip when a hook runs before it or in a step between, on any host or locally', () => {
    for (const hooks of [{ before_link: [entry('echo db', { roles: ['db'] })] }, { after_release: [entry('echo db', { roles: ['db'] })] }]) {
      const c = config(hooks)
      const plan = planDeploy(c, input(c))
      const fetch = builtin(plan, 'fetch', 'web1')
      expect(fetch?.kind === 'builtin' && fetch.joins).toBeUndefined()
      const link = builtin(plan, 'link', 'web1')
      expect(link?.kind === 'builtin' && link.joinedTo).toBeUndefined()
    }
    const local = config({ after_cleanup: [entry('notify', { local: true })] })
    const unlock = builtin(planDeploy(local, input(local)), 'unlock')
    expect(unlock?.kind === 'builtin' && unlock.joinedTo).toBeUndefined()
  })

  it('never joins the switch to the steps before it: no host switches before every host is prepared', () => {
    const c = config({})
    const plan = planDeploy(c, { ...input(c), skip: { '*': ['migrate'] } })
    const sw = builtin(plan, 'switch')
    expect(sw?.kind === 'builtin' && sw.joinedTo).toBeUndefined()
  })

  it('lists rollout batches, and leaves skipped steps out per host', () => {
    const c = { ...config({ migrate: [entry('npm run migrate', { once: true })] }), rollout: { batch: 2, pauseMs: 0 } }
    const plan = planDeploy(c, { ...input(c), skip: { db1: ['migrate'], '*': ['build'] } })
    expect(plan.batches).toEqual([['web1', 'web2'], ['db1']])
    expect(plan.steps.find((s) => s.step === 'migrate')!.hosts.db1).toEqual([])
    expect(plan.steps.find((s) => s.step === 'fetch')!.hosts.db1!.length).toBe(1)
  })

  it('is plain data: JSON round-trips it unchanged', () => {
    const c = config({ restart: [entry('touch tmp/restart.txt')] })
    const plan = planDeploy(c, input(c))
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan)
  })
})

describe('planDeploy with delivery through relays', () => {
  it('says which relay serves which hosts, and what each host unpacks, without touching a host', () => {
    const c: ResolvedConfig = { ...config({}), delivery: { via: 'relay', relays: ['db1'], forwardAgent: false } }
    const plan = planDeploy(c, input(c))
    expect(plan.relays).toEqual({ routes: [{ relay: 'db1', hosts: ['db1', 'web1', 'web2'] }], direct: [] })
    const fetch = plan.steps.find((step) => step.step === 'fetch')!.hosts['web1']!.find((action) => action.kind === 'builtin')
    expect(fetch?.kind === 'builtin' && fetch.command).toContain(`-f /srv/shop/releases/.20261123T171500-aaaaaaa.delivery/relayed`)
    // --hosts left the relay out: the others are sent to directly.
    const some = planDeploy(c, { ...input(c), hosts: c.hosts.filter((h) => h.name !== 'db1') })
    expect(some.relays).toEqual({ routes: [], direct: ['web1', 'web2'] })
    expect(planDeploy(config({}), input(config({}))).relays).toBeUndefined()
    // This machine itself needs no relay.
    const local: ResolvedConfig = { ...c, hosts: [...c.hosts, { ...host('here', ['web']), transport: 'local' }] }
    expect(planDeploy(local, input(local)).relays).toEqual({ routes: [{ relay: 'db1', hosts: ['db1', 'web1', 'web2'] }], direct: ['here'] })
  })
})
