import { homedir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { writeProject, yaml } from './__fixtures__/temp-project.js'
import { loadConfig } from './load.js'
import { resolveEnvironment } from './resolve.js'
import { HOOK_NAMES, type ResolvedConfig } from './types.js'

async function resolveYaml(text: string, environment: string, processEnv: NodeJS.ProcessEnv = {}, isGitRepo = true) {
  const dir = writeProject({ 'berth.yml': text }, { isGitRepo })
  const loaded = await loadConfig({ cwd: dir })
  return { dir, loaded, config: resolveEnvironment(loaded, environment, { processEnv }) }
}

async function resolveErrors(text: string, environment: string, processEnv: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = writeProject({ 'berth.yml': text })
  const loaded = await loadConfig({ cwd: dir })
  try {
    resolveEnvironment(loaded, environment, { processEnv })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).message.split('\n')
  }
  throw new Error('expected a ConfigError')
}

/** Only the hook names that have entries, to keep expectations short. */
const usedHooks = (config: ResolvedConfig) => Object.fromEntries(Object.entries(config.hooks).filter(([, entries]) => entries.length > 0))

const spec = yaml`
  app: shop
  repo: .
  branch: main
  deployTo: /srv/shop/
  keepReleases: 5
  strategy: upload
  subdir: server/
  build:
    - run: npm ci && npm run build
      include: [dist/]
  shared:
    files: [config/database.yml, .env]
    dirs: [log, tmp//pids/, public/uploads]
  env: { NODE_ENV: production, PORT: 3000 }
  secrets: [DATABASE_URL]
  ssh:
    config: ./deploy/ssh_config
    forwardAgent: false
  hosts:
    - { host: web1.example.com, roles: [web, app] }
  environments:
    staging:
      branch: develop
      hosts: [{ host: staging.example.com, roles: [web, app, db] }]
    production:
      hosts:
        - { host: web1, user: deploy, roles: [web, app] }
        - { host: web2, user: deploy, port: 2222, roles: [web, app] }
        - { host: db1, user: deploy, roles: [db], primary: true }
      rollout: { batch: 1, pause: 5s }
      tag: "{yyyy}{mm}.{n}"
      onFailure: { maxFailed: 25% }
      ssh: { connectTimeout: 30 }
  hooks:
    before_migrate:
      - run: ./bin/backup-db
        roles: [db]
        once: true
    migrate:
      - { run: npm run migrate, roles: [db], once: true, timeout: 1h30m }
    restart:
      - sudo systemctl restart shop
    verify:
      - http: http://127.0.0.1:3000/health
`

describe('resolveEnvironment', () => {
  it('resolves a full example config for production', async () => {
    const { dir, config } = await resolveYaml(spec, 'production', { DATABASE_URL: 'postgres://secret' })
    const { hooks: _hooks, ...rest } = config
    expect(rest).toEqual({
      configFile: path.join(dir, 'berth.yml'),
      rootDir: dir,
      app: 'shop',
      environment: 'production',
      repo: dir,
      ref: 'main',
      deployTo: '/srv/shop',
      keepReleases: 5,
      strategy: 'upload',
      delivery: { via: 'direct' },
      subdir: 'server',
      build: [{ run: 'npm ci && npm run build', include: ['dist'] }],
      shared: { files: ['config/database.yml', '.env'], dirs: ['log', 'tmp/pids', 'public/uploads'] },
      env: { NODE_ENV: 'production', PORT: '3000', DATABASE_URL: 'postgres://secret' },
      secrets: ['DATABASE_URL'],
      secretValues: ['postgres://secret'],
      ssh: { config: path.join(dir, 'deploy/ssh_config'), forwardAgent: false, strictHostKeyChecking: 'yes', connectTimeoutMs: 30_000 },
      hosts: [
        { name: 'web1', host: 'web1', user: 'deploy', roles: ['web', 'app', 'all'], primary: false, transport: 'ssh' },
        { name: 'web2', host: 'web2', user: 'deploy', port: 2222, roles: ['web', 'app', 'all'], primary: false, transport: 'ssh' },
        { name: 'db1', host: 'db1', user: 'deploy', roles: ['db', 'all'], primary: true, transport: 'ssh' },
      ],
      rollout: { batch: 1, pauseMs: 5000 },
      onFailure: { kind: 'maxFailed', percent: 25 },
      tag: { name: '{yyyy}{mm}.{n}' },
      reuse: [],
      notify: [],
      templates: [],
    })
    expect(usedHooks(config)).toEqual({
      before_migrate: [{ run: './bin/backup-db', roles: ['db'], once: true, local: false, env: {}, source: 'hooks.before_migrate[0]' }],
      migrate: [{ run: 'npm run migrate', roles: ['db'], once: true, local: false, env: {}, timeoutMs: 5_400_000, source: 'hooks.migrate[0]' }],
      restart: [{ run: 'sudo systemctl restart shop', once: false, local: false, env: {}, source: 'hooks.restart[0]' }],
      verify: [{ http: 'http://127.0.0.1:3000/health', once: false, local: false, env: {}, timeoutMs: 30_000, source: 'hooks.verify[0]' }],
    })
    expect(Object.keys(config.hooks).sort()).toEqual([...HOOK_NAMES].sort())
  })

  it('applies defaults for what staging leaves out', async () => {
    const { config } = await resolveYaml(spec, 'staging')
    expect(config).toMatchObject({
      ref: 'develop',
      hosts: [{ name: 'staging.example.com', roles: ['web', 'app', 'db', 'all'], primary: true, transport: 'ssh' }],
      onFailure: { kind: 'abort' },
      ssh: { connectTimeoutMs: 10_000, strictHostKeyChecking: 'yes' },
      secretValues: [],
    })
    expect(config.rollout).toBeUndefined()
    expect(config.tag).toBeUndefined()
  })

  it('defaults repo to the git work tree, ref to HEAD and deployTo to /srv/<app>', async () => {
    const { dir, config } = await resolveYaml('app: blog\nhosts: [web1]\nenvironments: { production: }\n', 'production', {}, true)
    expect(config).toMatchObject({ repo: dir, ref: 'HEAD', deployTo: '/srv/blog', keepReleases: 5, strategy: 'upload' })
    expect(config).toMatchObject({ build: [], shared: { files: [], dirs: [] }, env: {}, secrets: [] })
  })

  it('refuses a missing repo outside a git work tree', async () => {
    expect(await resolveErrors('app: blog\nhosts: [web1]\nenvironments: { production: }\n', 'production')).toEqual([
      expect.stringMatching(/^berth\.yml:1 repo: not set, and .* is not inside a git repository: set repo to a local path or a git URL$/),
    ])
  })

  it('takes tag as a template or { name, push }, per environment over the top level, and maintenance as given', async () => {
    const text = 'app: blog\nhosts: [web1]\ntag: "v{n}"\nmaintenance: { template: ./deploy/down.html }\nenvironments:\n  staging:\n  production: { tag: { name: "{yyyy}{mm}.{n}", push: origin }, maintenance: { path: ./down.html } }\n'
    expect((await resolveYaml(text, 'staging')).config).toMatchObject({ tag: { name: 'v{n}' }, maintenance: { template: 'deploy/down.html' } })
    const { config } = await resolveYaml(text, 'production')
    expect(config.tag).toEqual({ name: '{yyyy}{mm}.{n}', push: 'origin' })
    expect(config.maintenance).toEqual({ path: 'down.html' })
  })

  it('refuses tag templates git could not use, unknown placeholders, and maintenance paths that climb out', async () => {
    const dir = writeProject({ 'berth.yml': 'app: blog\nhosts: [web1]\nenvironments:\n  a: { tag: "{yyyy}{dd}" }\n  b: { tag: { name: "-{n}", push: "-u" } }\n  c: { maintenance: { path: ../x.html } }\n' })
    const error = await loadConfig({ cwd: dir }).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    const errors = (error as ConfigError).message.split('\n')
    expect(errors).toHaveLength(4)
    expect(errors.join('\n')).toMatch(/environments\.a\.tag: expected a tag name template/)
    expect(errors.join('\n')).toMatch(/environments\.b\.tag\.name: expected a tag name template/)
    expect(errors.join('\n')).toMatch(/environments\.b\.tag\.push: expected a git remote name/)
    expect(errors.join('\n')).toMatch(/environments\.c\.maintenance\.path: expected a relative path/)
  })

  it('lists the known environments, with a suggestion, for an unknown one', async () => {
    expect(await resolveErrors(spec, 'prodution')).toEqual([
      'berth.yml:21 environments: unknown environment "prodution" (did you mean "production"?); this file defines: staging, production',
    ])
  })
})

describe('environment overlays', () => {
  const layered = yaml`
    app: shop
    repo: git@github.com:acme/shop.git
    strategy: git
    keepReleases: 3
    env: { A: top, B: top }
    secrets: [TOP_SECRET]
    ssh: { forwardAgent: true, connectTimeout: 5s }
    hosts: [web1, web2]
    hooks:
      restart: [top-restart]
      after_switch: [top-after]
    environments:
      production:
        keepReleases: 10
        env: { B: production, C: production }
        secrets: [PROD_SECRET]
        ssh: { strictHostKeyChecking: accept-new }
        hooks:
          restart: [production-restart]
      staging:
        hosts: [staging1]
  `

  it('replaces plain settings, merges env and ssh key by key, unions secrets', async () => {
    const { config } = await resolveYaml(layered, 'production', { TOP_SECRET: 't', PROD_SECRET: 'p' })
    expect(config).toMatchObject({
      keepReleases: 10,
      env: { A: 'top', B: 'production', C: 'production', TOP_SECRET: 't', PROD_SECRET: 'p' },
      secrets: ['TOP_SECRET', 'PROD_SECRET'],
      secretValues: ['t', 'p'],
      ssh: { forwardAgent: true, strictHostKeyChecking: 'accept-new', connectTimeoutMs: 5000 },
      hosts: [{ name: 'web1' }, { name: 'web2' }],
    })
  })

  it("replaces a hook's list per name, keeping the top level's other hooks", async () => {
    const { config } = await resolveYaml(layered, 'production')
    expect(usedHooks(config)).toEqual({
      restart: [expect.objectContaining({ run: 'production-restart', source: 'environments.production.hooks.restart[0]' })],
      after_switch: [expect.objectContaining({ run: 'top-after', source: 'hooks.after_switch[0]' })],
    })
    const staging = await resolveYaml(layered, 'staging')
    expect(staging.config.hooks.restart).toEqual([expect.objectContaining({ run: 'top-restart' })])
    expect(staging.config.hosts.map((host) => host.name)).toEqual(['staging1'])
  })
})

describe('interpolation and secrets', () => {
  const withVariables = yaml`
    app: shop
    repo: \${REPO_URL:-git@example.com:acme/shop.git}
    branch: \${BRANCH:-main}
    deployTo: \${BASE}/shop
    env:
      DATABASE_URL: postgres://app:\${DB_PASSWORD}@db/shop
      PLAIN: cost $$5 in $HOME
    secrets: [DB_PASSWORD, API_TOKEN]
    hosts: [web1]
    hooks:
      migrate:
        - run: echo \${DB_PASSWORD} and $HOME
          env: { TOKEN: "\${API_TOKEN}", LABEL: "\${LABEL:-none}" }
    environments: { production: {} }
  `

  it('interpolates env, hook env, deployTo, repo and branch, never run', async () => {
    const processEnv = { BASE: '/opt', DB_PASSWORD: 'hunter2', API_TOKEN: 'tok', BRANCH: 'release' }
    const { config } = await resolveYaml(withVariables, 'production', processEnv)
    expect(config).toMatchObject({
      repo: 'git@example.com:acme/shop.git',
      ref: 'release',
      deployTo: '/opt/shop',
      env: { DATABASE_URL: 'postgres://app:hunter2@db/shop', PLAIN: 'cost $5 in $HOME', DB_PASSWORD: 'hunter2', API_TOKEN: 'tok' },
    })
    expect(config.hooks.migrate[0]).toMatchObject({ run: 'echo ${DB_PASSWORD} and $HOME', env: { TOKEN: 'tok', LABEL: 'none' } })
    // The secrets themselves, and every value built from one.
    expect(new Set(config.secretValues)).toEqual(new Set(['hunter2', 'tok', 'postgres://app:hunter2@db/shop']))
  })

  it('names each unset variable, and only for the environment resolved', async () => {
    expect(await resolveErrors(withVariables, 'production', { DB_PASSWORD: 'x' })).toEqual([
      'berth.yml:4 deployTo: environment variable "BASE" is not set (write ${BASE:-default} to allow that)',
      'berth.yml:13 hooks.migrate[0].env.TOKEN: environment variable "API_TOKEN" is not set (write ${API_TOKEN:-default} to allow that)',
    ])
  })

  it('lets a read-only command go without the secrets, naming each one unset', async () => {
    const dir = writeProject({ 'berth.yml': withVariables })
    const loaded = await loadConfig({ cwd: dir })
    const config = resolveEnvironment(loaded, 'production', { processEnv: { BASE: '/opt' }, allowUnsetValues: true })
    expect(config.env).toMatchObject({ DATABASE_URL: 'postgres://app:<unset: DB_PASSWORD>@db/shop' })
    expect(config.hooks.migrate[0]?.env).toEqual({ TOKEN: '<unset: API_TOKEN>', LABEL: 'none' })
    expect(config.secretValues).toEqual([])
    // Where to deploy is never guessed: without BASE there is no deployTo to read.
    expect(() => resolveEnvironment(loaded, 'production', { processEnv: {}, allowUnsetValues: true })).toThrow(/deployTo: environment variable "BASE" is not set/)
    expect(() => resolveEnvironment(loaded, 'production', { processEnv: { BASE: '/opt' } })).toThrow(/API_TOKEN/)
  })

  it('refuses bad ${...} syntax at load time', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nenv: { A: "${A" }\nhosts: [web1]\nenvironments: { production: {} }\n' })
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      'berth.yml:2 env.A: unterminated "${" in "${A": close it with "}" or write "$$" for a literal "$"',
    )
  })
})

describe('hosts', () => {
  it('makes the first host primary unless one says so, and keeps host: localhost on ssh', async () => {
    const { config } = await resolveYaml('app: shop\nhosts: [localhost, web2]\nenvironments: { production: {} }\n', 'production')
    expect(config.hosts).toEqual([
      { name: 'localhost', host: 'localhost', roles: ['all'], primary: true, transport: 'ssh' },
      { name: 'web2', host: 'web2', roles: ['all'], primary: false, transport: 'ssh' },
    ])
  })

  it('refuses duplicates and a second primary', async () => {
    const dir = writeProject({
      'berth.yml': yaml`
        app: shop
        hosts:
          - { host: web1, primary: true }
          - web1
          - { host: db1, primary: true }
        environments: { production: {} }
      `,
    })
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      [
        'berth.yml:4 hosts[1]: duplicate host "web1" (already at hosts[0]); list each host once, with all its roles',
        'berth.yml:5 hosts[2]: only one host can be primary, and "web1" already is',
      ].join('\n'),
    )
  })
})

describe('hooks', () => {
  it('accepts before_symlink/after_symlink as before_switch/after_switch', async () => {
    const text = 'app: shop\nhosts: [web1]\nhooks: { before_symlink: [a], after_symlink: [b] }\nenvironments: { production: {} }\n'
    const { config } = await resolveYaml(text, 'production')
    expect(config.hooks.before_switch).toEqual([expect.objectContaining({ run: 'a', source: 'hooks.before_symlink[0]' })])
    expect(config.hooks.after_switch).toEqual([expect.objectContaining({ run: 'b', source: 'hooks.after_symlink[0]' })])
  })

  it('refuses an alias next to its hook name, an entry without exactly one of run/http, and targets that match nothing', async () => {
    const dir = writeProject({
      'berth.yml': yaml`
        app: shop
        hosts: [{ host: web1, roles: [web] }]
        hooks:
          before_switch: [a]
          before_symlink: [b]
          verify:
            - { timeout: 5s }
            - { run: x, http: "http://x/" }
          migrate:
            - { run: m, roles: [dbb] }
            - { run: m, hosts: [web2] }
        environments:
          production:
            hosts: [{ host: db1, roles: [db] }]
            hooks:
              restart: [{ run: r, roles: [web] }]
          staging: {}
      `,
    })
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      [
        'berth.yml:5 hooks: "before_symlink" and "before_switch" are the same hook: put all its entries under "before_switch"',
        'berth.yml:7 hooks.verify[0]: needs exactly one of "run" (a shell command) or "http" (a URL to check)',
        'berth.yml:8 hooks.verify[1]: needs exactly one of "run" (a shell command) or "http" (a URL to check)',
        'berth.yml:10 hooks.migrate[0].roles: no host in any environment has role "dbb" (did you mean "db"?)',
        'berth.yml:11 hooks.migrate[1].hosts: no host "web2" in any environment (did you mean "web1"?)',
        'berth.yml:16 environments.production.hooks.restart[0].roles: no host in environment "production" has role "web"',
      ].join('\n'),
    )
  })

  it('lets a top-level entry target a role only some environments have', async () => {
    const text = yaml`
      app: shop
      hooks: { migrate: [{ run: m, roles: [db], once: true }] }
      environments:
        production: { hosts: [{ host: db1, roles: [db] }] }
        preview: { hosts: [web1] }
    `
    const { config } = await resolveYaml(text, 'preview')
    expect(config.hooks.migrate).toEqual([expect.objectContaining({ roles: ['db'] })])
  })
})

describe('paths', () => {
  it('resolves a relative deployTo against the config directory when every host is local', async () => {
    const text = 'app: shop\ndeployTo: ./tmp/deploy\nhosts: [{ host: localhost, transport: local }]\nenvironments: { dev: {} }\n'
    const { dir, config } = await resolveYaml(text, 'dev')
    expect(config.deployTo).toBe(path.join(dir, 'tmp/deploy'))
  })

  it('refuses a relative or ~ deployTo for ssh hosts', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nhosts: [web1]\nenvironments:\n  a: { deployTo: apps/shop }\n  b: { deployTo: ~/shop }\n' })
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      [
        'berth.yml:4 environments.a.deployTo: must be an absolute path like /srv/shop, got "apps/shop" (a relative path is allowed only when every host has "transport: local")',
        'berth.yml:5 environments.b.deployTo: must be an absolute path like /srv/shop, got "~/shop" ("~" is not expanded on the hosts)',
      ].join('\n'),
    )
  })

  it('resolves a local repo against the config directory, expands ~ locally, and keeps URLs', async () => {
    const text = 'app: shop\nrepo: ../app\nssh: { config: ~/.ssh/berth }\nhosts: [web1]\nenvironments: { a: {}, b: { repo: "https://example.com/a.git" } }\n'
    const { dir, config } = await resolveYaml(text, 'a')
    expect(config.repo).toBe(path.resolve(dir, '../app'))
    expect(config.ssh.config).toBe(path.join(homedir(), '.ssh/berth'))
    expect(resolveEnvironment(await loadConfig({ cwd: dir }), 'b').repo).toBe('https://example.com/a.git')
  })

  it('refuses strategy git with a local repo for ssh hosts', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nrepo: .\nstrategy: git\nhosts: [web1]\nenvironments: { production: {} }\n' })
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(/^berth\.yml:2 repo: strategy "git" has each host fetch the repo, so repo must be a URL/)
  })

  it('refuses shared paths that leave the release', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nshared: { dirs: [../etc, /var/log] }\nhosts: [web1]\nenvironments: { production: {} }\n' })
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(
      [
        'berth.yml:2 shared.dirs[0]: expected a relative path without a leading "/" or ".." parts, got "../etc"',
        'berth.yml:2 shared.dirs[1]: expected a relative path without a leading "/" or ".." parts, got "/var/log"',
      ].join('\n'),
    )
  })
})

describe('onFailure', () => {
  it.each([
    ['continue', { kind: 'continue' }],
    ['{ maxFailed: 2 }', { kind: 'maxFailed', count: 2 }],
    ['{ maxFailed: "12.5%" }', { kind: 'maxFailed', percent: 12.5 }],
  ])('%s', async (written, policy) => {
    const { config } = await resolveYaml(`app: shop\nonFailure: ${written}\nhosts: [web1]\nenvironments: { p: {} }\n`, 'p')
    expect(config.onFailure).toEqual(policy)
  })

  it('refuses a percentage over 100', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nonFailure: { maxFailed: 150% }\nhosts: [web1]\nenvironments: { p: {} }\n' })
    await expect(loadConfig({ cwd: dir })).rejects.toThrow('berth.yml:2 onFailure.maxFailed: expected a percentage like "25%", got "150%"')
  })
})

describe('shared entries together', () => {
  it('refuses the release itself, an entry listed twice, and one inside a shared directory, at their lines', async () => {
    const text = 'app: shop\nshared:\n  dirs: [config, log, ./]\n  files: [config/app.env, log, .env]\nhosts: [web1]\nenvironments: { production: {} }\n'
    await expect(loadConfig({ cwd: writeProject({ 'berth.yml': text }) })).rejects.toThrow(
      [
        'berth.yml:3 shared.dirs[2]: is the release itself: name a file or directory inside it',
        'berth.yml:4 shared.files[0]: "config/app.env" is inside the shared directory "config", which is linked as a whole: leave it out (it is shared already)',
        'berth.yml:4 shared.files[1]: "log" is already shared (shared.dirs[1]): list it once',
      ].join('\n'),
    )
    // Siblings and look-alike prefixes are fine.
    const fine = 'app: shop\nshared:\n  dirs: [config, log]\n  files: [config.yml, logs/app.log, .env]\nhosts: [web1]\nenvironments: { production: {} }\n'
    await expect(loadConfig({ cwd: writeProject({ 'berth.yml': fine }) })).resolves.toBeDefined()
  })
})

describe('warnings', () => {
  it('says once per name that a secret shorter than 3 characters cannot be masked, where it is named', async () => {
    const text = yaml`
      app: shop
      deployTo: /srv/shop
      secrets: [PIN, TOKEN, ALSO_PIN]
      env:
        DB_PASS: \${SHORT_PASS}
        ALSO_PIN: \${PIN}
      environments:
        production:
          hosts: [{ host: p1 }]
          secrets: [DB_PASS, EMPTY]
    `
    const processEnv = { PIN: '42', TOKEN: 'long-enough', SHORT_PASS: 'x', EMPTY: '' }
    const { config } = await resolveYaml(text, 'production', processEnv)
    const warnings = config.warnings ?? []
    expect(warnings.map((w) => `${w.line} ${w.path}: ${w.message}`)).toEqual([
      '3 secrets[0]: secret PIN is shorter than 3 characters: berth cannot mask it in output',
      // A value set through an interpolated setting is pointed at where it is set.
      '5 env.DB_PASS: secret DB_PASS is shorter than 3 characters: berth cannot mask it in output',
    ])
    // Long enough values say nothing.
    const quiet = await resolveYaml(text, 'production', { PIN: '4242', TOKEN: 'abc', SHORT_PASS: 'xyz' })
    expect(quiet.config.warnings).toBeUndefined()
  })
})
