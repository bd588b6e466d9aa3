/**
 * Hooks across a whole deploy, through the CLI: order, environment, working directory,
 * prefix, timeout, local hooks, host selection, Engine Yard aliases and in-repo hooks.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const STEPS = ['lock', 'fetch', 'release', 'link', 'build', 'migrate', 'switch', 'restart', 'verify', 'cleanup', 'unlock']
const BODY = new Set(['build', 'migrate', 'restart', 'verify'])
/** Every deploy hook, in the order a deploy runs them. */
const ORDER = STEPS.flatMap((step) => [`before_${step}`, ...(BODY.has(step) ? [step] : []), `after_${step}`])

/** A config whose production has one local host; staging exists so `roles: [worker]` is valid. */
function config(hooks: string[], extra: string[] = []): string {
  return [
    'app: shop',
    'deployTo: __TARGET__',
    'keepReleases: 3',
    'env: { GLOBAL_VAR: from-config, SHARED_NAME: config }',
    ...extra,
    'environments:',
    '  production:',
    '    hosts:',
    '      - { host: localhost, transport: local, roles: [web, db], primary: true }',
    '  staging:',
    '    hosts:',
    '      - { host: localhost, transport: local, roles: [worker] }',
    'hooks:',
    ...hooks,
  ].join('\n')
}

const logLine = (name: string): string => `    - run: echo "${name} $(pwd)" >> __BASE__/hooks.log`

describe('hooks in a deploy', () => {
  it('fire in step order with the BERTH_* variables, config env and entry env, in the right directory', async () => {
    // One more after_link entry dumps its environment; entry env wins over config env.
    const extra: Record<string, string[]> = {
      after_link: [
        '    - run: env | grep -E "^(BERTH_|GLOBAL_VAR|SHARED_NAME|ENTRY_VAR)" | sort > __BASE__/env.txt',
        '      env: { ENTRY_VAR: from-entry, SHARED_NAME: entry }',
      ],
    }
    const hooks = ORDER.flatMap((name) => [`  ${name}:`, logLine(name), ...(extra[name] ?? [])])
    const p = (project = createProject(config(hooks)))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const first = p.live()!
    p.write({ '../hooks.log': '' })
    const sha = p.commit({ 'index.html': 'v2' })
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const release = p.live()!
    const releasePath = join(p.target, 'releases', release)

    const beforeTree = new Set(['before_lock', 'after_lock', 'before_fetch'])
    expect(p.log()).toEqual(ORDER.map((name) => `${name} ${beforeTree.has(name) ? p.target : releasePath}`))

    const env = Object.fromEntries(
      readFileSync(join(p.base, 'env.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    expect(env).toMatchObject({
      BERTH_APP: 'shop',
      BERTH_ENV: 'production',
      BERTH_RELEASE: release,
      BERTH_RELEASE_PATH: releasePath,
      BERTH_PREVIOUS_RELEASE: first,
      BERTH_REVISION: sha,
      BERTH_ROLES: 'web,db',
      BERTH_HOST: 'localhost',
      GLOBAL_VAR: 'from-config',
      ENTRY_VAR: 'from-entry',
      SHARED_NAME: 'entry',
    })
  })

  it('tells a local hook the release the hosts had before', async () => {
    const p = (project = createProject(config(['  after_switch:', '    - run: echo "local from=$BERTH_PREVIOUS_RELEASE to=$BERTH_RELEASE" >> __BASE__/hooks.log', '      local: true'])))
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    const first = p.live()!
    p.commit({ 'index.html': 'v2' })
    expect((await p.berth(['deploy', 'production'])).code).toBe(0)
    expect(p.log()).toEqual([`local from= to=${first}`, `local from=${first} to=${p.live()}`])
  })

  it('honours cwd:, prefix and local: true, and selects hosts by roles, hosts and once', async () => {
    const p = (project = createProject(
      config([
        '  before_fetch:',
        '    - run: pwd >> __BASE__/hooks.log',
        '      cwd: shared',
        '  after_release:',
        '    - run: echo "cwd $(pwd)" >> __BASE__/hooks.log',
        '      cwd: public',
        '    - run: echo "abs $(pwd)" >> __BASE__/hooks.log',
        '      cwd: __BASE__',
        '  build:',
        '    - run: prefixed-ok >> __BASE__/hooks.log',
        '      prefix: echo',
        '  migrate:',
        '    - run: echo "worker only" >> __BASE__/hooks.log',
        '      roles: [worker]',
        '    - run: echo "db once" >> __BASE__/hooks.log',
        '      roles: [db]',
        '      once: true',
        '    - run: echo "named host" >> __BASE__/hooks.log',
        '      hosts: [localhost]',
        '  after_switch:',
        '    - run: echo "local $(pwd) hosts=$BERTH_HOSTS" >> __BASE__/hooks.log',
        '      local: true',
      ]),
      { 'public/index.html': 'x' },
    ))
    p.write({ '../srv/shop/shared/.keep': '' })
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const releasePath = join(p.target, 'releases', p.live()!)
    expect(p.log()).toEqual([
      join(p.target, 'shared'),
      `cwd ${releasePath}/public`,
      `abs ${p.base}`,
      'prefixed-ok',
      'db once',
      'named host',
      `local ${p.dir} hosts=localhost`,
    ])
  })

  it('accepts before_symlink/after_symlink and runs executable deploy/ files after the config entries', async () => {
    const p = (project = createProject(
      config([
        '  before_symlink:',
        '    - run: echo "before_symlink $(readlink ../../current || echo none)" >> __BASE__/hooks.log',
        '  after_symlink:',
        '    - run: echo "after_symlink $(readlink ../../current)" >> __BASE__/hooks.log',
      ]),
      {
        'deploy/after_switch.sh': { content: '#!/bin/sh\necho "repo after_switch $(pwd) $BERTH_RELEASE" >> __BASE__/hooks.log\n', mode: 0o755 },
        'deploy/before_migrate': { content: '#!/bin/sh\necho "repo before_migrate" >> __BASE__/hooks.log\n', mode: 0o755 },
        'deploy/restart.sh': { content: '#!/bin/sh\necho "NOT EXECUTABLE: must not run" >> __BASE__/hooks.log\n', mode: 0o644 },
        'deploy/notes.txt': 'not a hook\n',
      },
    ))
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const release = p.live()!
    expect(p.log()).toEqual([
      'repo before_migrate',
      'before_symlink none',
      `after_symlink releases/${release}`,
      `repo after_switch ${join(p.target, 'releases', release)} ${release}`,
    ])
  })

  it('a hook that outlives its timeout is stopped and fails the deploy', async () => {
    const p = (project = createProject(
      config(['  build:', '    - run: sleep 20; echo "finished" >> __BASE__/hooks.log', '      timeout: 1s']),
    ))
    const started = Date.now()
    const result = await p.berth(['deploy', 'production'])
    expect(result.code).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(result.stdout + result.stderr).toMatch(/timed out/)
    expect(p.current()).toBeNull()
    expect(p.log()).toEqual([])
    expect(p.exists('.berth/lock')).toBe(false)
  })
})
