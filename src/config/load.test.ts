import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { writeProject, yaml } from './__fixtures__/temp-project.js'
import { findConfigFile, loadConfig } from './load.js'
import { resolveEnvironment } from './resolve.js'

/** The lines of the ConfigError that loading `dir` throws. */
async function loadErrors(dir: string, configPath?: string): Promise<string[]> {
  const error = await loadConfig({ cwd: dir, configPath }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ConfigError)
  return (error as ConfigError).message.split('\n')
}

const minimal = yaml`
  app: shop
  hosts: [web1]
  environments:
    production:
`

describe('findConfigFile', () => {
  it('finds berth.yml in a parent directory', () => {
    const dir = writeProject({ 'berth.yml': minimal, 'server/src/.keep': '' })
    expect(findConfigFile(path.join(dir, 'server/src'))).toBe(path.join(dir, 'berth.yml'))
  })

  it.each(['berth.yaml', 'berth.config.ts', 'berth.config.js', 'berth.config.mjs'])('finds %s', (name) => {
    const dir = writeProject({ [name]: '' })
    expect(findConfigFile(dir)).toBe(path.join(dir, name))
  })

  it('lets -c win, relative to cwd', () => {
    const dir = writeProject({ 'berth.yml': minimal, 'deploy/other.yml': minimal })
    expect(findConfigFile(dir, 'deploy/other.yml')).toBe(path.join(dir, 'deploy/other.yml'))
    expect(() => findConfigFile(dir, 'nope.yml')).toThrow('config file nope.yml not found')
  })

  it('refuses two config files in one directory', () => {
    const dir = writeProject({ 'berth.yml': minimal, 'berth.config.ts': '' })
    expect(() => findConfigFile(dir)).toThrow(`${dir} has both berth.yml and berth.config.ts`)
  })

  it('says to run berth init when there is none, with exit code 2', () => {
    const dir = writeProject({})
    mkdirSync(path.join(dir, 'empty'))
    try {
      findConfigFile(path.join(dir, 'empty'))
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).exitCode).toBe(2)
      expect((error as ConfigError).hint).toContain('berth init')
    }
  })
})

describe('loadConfig with YAML', () => {
  it('returns the validated file with its environments', async () => {
    const dir = writeProject({ 'berth.yml': minimal })
    const loaded = await loadConfig({ cwd: dir })
    expect(loaded).toMatchObject({ file: path.join(dir, 'berth.yml'), rootDir: dir, environments: ['production'], warnings: [] })
    expect(loaded.raw).toMatchObject({ app: 'shop', keepReleases: 5, strategy: 'upload', branch: 'HEAD', onFailure: 'abort' })
  })

  it('reports every problem at once, with file, line and key path', async () => {
    const dir = writeProject({
      'berth.yml': yaml`
        app: shop
        deploy_to: /srv/shop
        strategy: uplaod
        keepReleases: "five"
        hosts:
          - { host: web1, roles: [web], primry: true }
          - 42
        hooks:
          befor_migrate: [./bin/backup]
          restart:
            - rn: touch tmp/restart.txt
          verify:
            - { http: "http://127.0.0.1/health", timeout: soon }
        environments:
          production:
            app: other
            keepReleases: 0
      `,
    })
    expect(await loadErrors(dir)).toEqual([
      'berth.yml:2 unknown key "deploy_to" (did you mean "deployTo"?)',
      'berth.yml:3 strategy: expected "upload" or "git", got "uplaod" (did you mean "upload"?)',
      'berth.yml:4 keepReleases: expected a whole number ≥ 1, got string',
      'berth.yml:6 hosts[0]: unknown key "primry" (did you mean "primary"?)',
      'berth.yml:7 hosts[1]: expected a string or a mapping, got number',
      'berth.yml:9 hooks: unknown hook "befor_migrate" (did you mean "before_migrate"?)',
      'berth.yml:11 hooks.restart[0]: unknown key "rn" (did you mean "run"?)',
      'berth.yml:13 hooks.verify[0].timeout: expected a duration like "30s", "5m", "1h30m", "500ms" or a number of seconds, got "soon"',
      'berth.yml:16 environments.production: "app" can only be set at the top level',
      'berth.yml:17 environments.production.keepReleases: expected a whole number ≥ 1, got 0',
    ])
  })

  it('keeps line and column on each issue', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nenvironments: { production: { hosts: [web1] } }\nkeepReleases: 2.5\n' })
    const error = await loadConfig({ cwd: dir }).catch((thrown: ConfigError) => thrown)
    expect((error as ConfigError).issues).toEqual([
      { path: 'keepReleases', message: 'expected a whole number ≥ 1, got 2.5', file: 'berth.yml', line: 3, col: 15 },
    ])
  })

  it('names the file as the user would type it from cwd', async () => {
    const dir = writeProject({ 'berth.yml': 'app: Shop\nenvironments: { production: { hosts: [web1] } }\n', 'server/.keep': '' })
    expect(await loadErrors(path.join(dir, 'server'))).toEqual([
      '../berth.yml:1 app: expected a name of lowercase letters, digits, ".", "_" or "-" (e.g. shop), got "Shop"',
    ])
  })

  it('refuses malformed YAML with the line', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nenvironments:\n  production: {\n    hosts: [web1\n' })
    const lines = await loadErrors(dir)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines[0]).toMatch(/^berth\.yml:\d+ \S/)
  })

  it('refuses duplicate keys', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\napp: shop2\nenvironments: { production: { hosts: [web1] } }\n' })
    expect(await loadErrors(dir)).toEqual(['berth.yml:2 Map keys must be unique'])
  })

  it('refuses an empty file', async () => {
    const dir = writeProject({ 'berth.yml': '# nothing yet\n' })
    expect(await loadErrors(dir)).toEqual(['berth.yml is empty: it needs at least "app" and "environments"'])
  })

  it('asks for environments when the file has none', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nhosts: [web1]\n' })
    expect(await loadErrors(dir)).toEqual([
      'berth.yml:1 environments: required: add at least one environment, e.g. "environments: { production: {} }" (top-level hosts are shared by all of them)',
    ])
    const empty = writeProject({ 'berth.yml': 'app: shop\nhosts: [web1]\nenvironments: {}\n' })
    expect(await loadErrors(empty)).toEqual(['berth.yml:3 environments: no environments defined: add one, e.g. "production: {}"'])
  })

  it('treats "key:" with no value as not given, and "staging:" as an environment with no overrides', async () => {
    const dir = writeProject({
      'berth.yml': yaml`
        app: shop
        hosts: [web1]
        hooks:
          # restart:
          #   - touch tmp/restart.txt
        environments:
          staging:
      `,
    })
    const loaded = await loadConfig({ cwd: dir })
    expect(loaded.environments).toEqual(['staging'])
    expect(loaded.raw.hooks).toBeUndefined()
  })

  it('accepts YAML merge keys for shared environment settings', async () => {
    const dir = writeProject({
      'berth.yml': yaml`
        app: shop
        environments:
          staging: &base
            hosts: [web1]
            keepReleases: 3
          production:
            <<: *base
            branch: main
      `,
    })
    const loaded = await loadConfig({ cwd: dir })
    expect(loaded.raw.environments.production).toMatchObject({ hosts: ['web1'], keepReleases: 3, branch: 'main' })
  })

  it('checks every environment at load time, not only the one deployed', async () => {
    const dir = writeProject({
      'berth.yml': yaml`
        app: shop
        environments:
          production:
            hosts: [web1]
          staging:
            hosts: []
      `,
    })
    expect(await loadErrors(dir)).toEqual([
      'berth.yml:5 environments.staging: no hosts: list them under "hosts" in this environment or at the top level, or name an inventory',
    ])
  })

  it('warns when both hosts and an inventory are given, and uses the hosts', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nrepo: https://example.com/x.git\ninventory: ./hosts.ini\nhosts: [web1]\nenvironments: { production: {} }\n', 'hosts.ini': '[web]\nweb9\n' })
    const loaded = await loadConfig({ cwd: dir })
    expect(loaded.warnings).toEqual([
      { path: 'inventory', message: 'both "hosts" and "inventory" are given: the hosts listed under "hosts" are used', file: 'berth.yml', line: 3, col: 12 },
    ])
    expect(resolveEnvironment(loaded, 'production').hosts.map((h) => h.name)).toEqual(['web1'])
  })

  it('takes hosts and roles from an Ansible inventory file or command', async () => {
    const dir = writeProject({
      'berth.yml': 'app: shop\nrepo: https://example.com/x.git\ninventory: ./hosts.ini\nenvironments:\n  production: {}\n  staging:\n    inventory: { command: "cat stage.json" }\nhooks:\n  migrate:\n    - { run: m, roles: [db], once: true }\n',
      'hosts.ini': '[web]\nweb1 ansible_user=deploy\n[db]\ndb1 berth_primary=true\n[production:children]\nweb\ndb\n',
      'stage.json': JSON.stringify({ all: { hosts: ['stage1'] }, db: ['stage1'] }),
    })
    const loaded = await loadConfig({ cwd: dir })
    const production = resolveEnvironment(loaded, 'production')
    expect(production.hosts.map((h) => [h.name, h.user, h.roles, h.primary])).toEqual([
      ['web1', 'deploy', ['web', 'all'], false],
      ['db1', undefined, ['db', 'all'], true],
    ])
    expect(resolveEnvironment(loaded, 'staging').hosts.map((h) => [h.name, h.roles])).toEqual([['stage1', ['db', 'all']]])
  })

  it('refuses an inventory that cannot be read, naming the key', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\ninventory: ./missing.ini\nenvironments: { production: {} }\n' })
    expect(await loadErrors(dir)).toEqual(['berth.yml:2 inventory: inventory ./missing.ini: not found'])
  })

  it('refuses inventory hosts and logins that ssh would read as options, naming the inventory line', async () => {
    const dir = writeProject({
      'berth.yml': 'app: shop\nrepo: https://example.com/x.git\ninventory: ./hosts.ini\nenvironments: { production: {}, staging: {} }\n',
      'hosts.ini': '[web]\nweb1\n-oProxyCommand=touch_canary ansible_user=deploy\nweb2 ansible_host=-oX ansible_user="a;id"\nweb3 ansible_port=22x\n',
    })
    expect(await loadErrors(dir)).toEqual([
      'berth.yml:3 inventory: ./hosts.ini:3: "-oProxyCommand=touch_canary" is not a host name, ssh alias or IP address: letters, digits, ".", "-", "_" (IPv6 may be in [brackets]), not starting with "-"; put the login in user:',
      'berth.yml:3 inventory: ./hosts.ini:4: ansible_host "-oX" is not a host name, ssh alias or IP address: letters, digits, ".", "-", "_" (IPv6 may be in [brackets]), not starting with "-"; put the login in user:',
      'berth.yml:3 inventory: ./hosts.ini:4: ansible_user "a;id" is not a login name: letters, digits, ".", "-", "_", not starting with "-"',
      'berth.yml:3 inventory: ./hosts.ini:5: ansible_port "22x" is not a port number from 1 to 65535',
    ])
  })
})

describe('loadConfig and a signal', () => {
  it('stops between its stages once the signal is aborted, before the inventory command runs', async () => {
    const dir = writeProject({ 'berth.yml': 'app: shop\nrepo: /tmp\ninventory: { command: "touch ran; echo {}" }\nenvironments: { production: {} }\n' })
    const controller = new AbortController()
    controller.abort()
    await expect(loadConfig({ cwd: dir, signal: controller.signal })).rejects.toMatchObject({ code: 'INTERRUPTED', exitCode: 130 })
    expect(existsSync(path.join(dir, 'ran'))).toBe(false)
  })
})

describe('loadConfig with berth.config.ts', () => {
  const defineModule = fileURLToPath(new URL('./define.ts', import.meta.url))

  it('loads `export default defineConfig({...})` through jiti', async () => {
    const dir = writeProject({
      'berth.config.ts': [
        `import { defineConfig } from ${JSON.stringify(defineModule)}`,
        `const keep: number = 3`,
        `export default defineConfig({ app: 'shop', keepReleases: keep, hosts: ['web1'], environments: { production: {} } })`,
      ].join('\n'),
    })
    const loaded = await loadConfig({ cwd: dir })
    expect(loaded.file).toBe(path.join(dir, 'berth.config.ts'))
    expect(loaded.raw).toMatchObject({ app: 'shop', keepReleases: 3, hosts: ['web1'], strategy: 'upload' })
  })

  it('loads a plain default export from .mjs', async () => {
    const dir = writeProject({ 'berth.config.mjs': `export default { app: 'shop', hosts: ['web1'], environments: { production: {} } }\n` })
    expect((await loadConfig({ cwd: dir })).raw.app).toBe('shop')
  })

  it('validates the same way, with key paths but no lines', async () => {
    const dir = writeProject({
      'berth.config.ts': `export default { app: 'shop', hosts: ['web1'], hooks: { restart: [{ rn: 'x' }] }, environments: { production: {} } }\n`,
    })
    const error = await loadConfig({ cwd: dir }).catch((thrown: ConfigError) => thrown)
    expect((error as ConfigError).issues).toEqual([
      { path: 'hooks.restart[0]', message: 'unknown key "rn" (did you mean "run"?)', file: 'berth.config.ts' },
    ])
  })

  it('reports a module that fails to load', async () => {
    const dir = writeProject({ 'berth.config.ts': `throw new Error('boom')\n` })
    expect(await loadErrors(dir)).toEqual(['berth.config.ts could not be loaded: boom'])
  })
})
