/**
 * `promote staging production` on real sshd hosts: production gets the very tree staging
 * runs (every path, mode, content and link compared between a staging and a production
 * host), under the same release id, with production's own hooks and history, and the local
 * build runs once. It refuses when staging's hosts disagree, naming them; and with an empty
 * cache on this machine it reads the release from a staging host whose copy is intact.
 */
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import { createProject, type Project } from '../helpers/project.js'
import { all, onHost } from './fleet-project.js'

let fleet: Fleet
const projects: Project[] = []

beforeAll(async () => {
  fleet = await startFleet({ hosts: 4 })
})
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await fleet?.stop()
})

/** staging on web1 and web2, production on web3 and web4; a local build that counts its runs. */
function trainProject(app: string): Project {
  if (!fleet.isolated) throw new Error('the ssh suite needs mount namespaces (run as root): each host must have its own /srv')
  const config = [
    `app: ${app}`,
    `deployTo: /srv/${app}`,
    `ssh: { config: ${fleet.sshConfigFile} }`,
    'build:',
    '  - run: mkdir -p ../server/public && cp app.txt ../server/public/app.js && chmod 755 ../server/public/app.js && echo built >> __BASE__/builds',
    '    cwd: client',
    '    include: [public/]',
    'subdir: server',
    'shared: { dirs: [log] }',
    'hooks:',
    '  restart:',
    '    - run: echo "$BERTH_ENV $BERTH_RELEASE" > ../../shared/restarted',
    'environments:',
    '  staging:',
    '    hosts: [{ host: web1 }, { host: web2 }]',
    '  production:',
    '    hosts: [{ host: web3 }, { host: web4 }]',
    '',
  ].join('\n')
  const project = createProject(config, {
    'client/app.txt': 'the built client\n',
    'server/index.js': 'server v1\n',
    'server/bin/start': { content: '#!/bin/sh\necho start\n', mode: 0o755 },
    'server/deploy/after_switch': { content: '#!/bin/sh\necho "$BERTH_ENV" > ../../shared/repo-hook\n', mode: 0o755 },
  })
  projects.push(project)
  return project
}

const builds = (p: Project): number => (existsSync(join(p.base, 'builds')) ? readFileSync(join(p.base, 'builds'), 'utf8').trim().split('\n').length : 0)

/** Every entry under a release directory: path → kind, mode and content hash (or link target). */
function treeOf(host: string, app: string, release: string): Record<string, string> {
  const root = join(fleet.hostDir(host), app, 'releases', release)
  const out: Record<string, string> = {}
  for (const path of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const full = join(root, path)
    const stat = lstatSync(full)
    const mode = (stat.mode & 0o7777).toString(8)
    if (stat.isSymbolicLink()) out[path] = `link ${readlinkSync(full)}`
    else if (stat.isDirectory()) out[path] = `dir ${mode}`
    else out[path] = `file ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`
  }
  return out
}

describe('promote', () => {
  it('ships the exact staging tree to production, same release id, production hooks, built once', async () => {
    const app = 'train'
    const project = trainProject(app)
    const staging = await project.berth(['deploy', 'staging'])
    expect(staging.code, all(staging)).toBe(0)
    const release = onHost(fleet, 'web1', app).live()!
    expect(onHost(fleet, 'web2', app).live()).toBe(release)

    const plan = await project.berth(['promote', 'staging', 'production', '--plan'])
    expect(plan.code, all(plan)).toBe(0)
    expect(plan.stdout).toContain(release)
    expect(onHost(fleet, 'web3', app).releases()).toEqual([])

    const promoted = await project.berth(['promote', 'staging', 'production'])
    expect(promoted.code, all(promoted)).toBe(0)
    expect(builds(project)).toBe(1)
    for (const name of ['web3', 'web4']) {
      const host = onHost(fleet, name, app)
      expect(host.live()).toBe(release)
      expect(host.state(release)).toBe('active')
      expect(host.read('shared/restarted')).toBe(`production ${release}\n`)
      expect(host.read('shared/repo-hook')).toBe('production\n')
      expect(host.locked()).toBe(false)
      const [line] = host.history()
      expect(line).toMatchObject({ kind: 'deploy', release, result: 'success', promotedFrom: 'staging', environment: 'production' })
    }
    const stagingTree = treeOf('web1', app, release)
    expect(Object.keys(stagingTree)).toEqual(expect.arrayContaining(['public/app.js', 'index.js', 'bin/start', 'REVISION', 'log']))
    expect(stagingTree['public/app.js']).toMatch(/^file 755 /)
    expect(treeOf('web4', app, release)).toEqual(stagingTree)
    expect(treeOf('web3', app, release)).toEqual(stagingTree)

    const history = await project.berth(['history', 'production'])
    expect(history.stdout).toContain('promote from staging')

    // The same release again is refused: it is already there.
    const again = await project.berth(['promote', 'staging', 'production'])
    expect(again.code).toBe(1)
    expect(all(again)).toContain(`release ${release} is already on web3, web4`)
  })

  it('refuses when the staging hosts disagree, naming them; --release picks one they all hold', async () => {
    const app = 'split'
    const project = trainProject(app)
    expect((await project.berth(['deploy', 'staging'])).code).toBe(0)
    const v1 = onHost(fleet, 'web1', app).live()!
    project.commit({ 'server/index.js': 'server v2\n' })
    const partial = await project.berth(['deploy', 'staging', '--hosts', 'web1'])
    expect(partial.code, all(partial)).toBe(0)
    const v2 = onHost(fleet, 'web1', app).live()!
    expect(v2).not.toBe(v1)

    const refused = await project.berth(['promote', 'staging', 'production'])
    expect(refused.code).toBe(1)
    expect(all(refused)).toContain(`the staging hosts do not agree on the live release (web1 → ${v2}, web2 → ${v1})`)
    expect(onHost(fleet, 'web3', app).releases()).toEqual([])

    const lacking = await project.berth(['promote', 'staging', 'production', '--release', v2])
    expect(lacking.code).toBe(1)
    expect(all(lacking)).toContain(`release ${v2} is not complete on staging host web2`)

    const chosen = await project.berth(['promote', 'staging', 'production', '--release', v1])
    expect(chosen.code, all(chosen)).toBe(0)
    expect(onHost(fleet, 'web3', app).live()).toBe(v1)
    expect(onHost(fleet, 'web3', app).read('current/index.js')).toBe('server v1\n')
  })

  it('reads the release from a staging host when this machine has no artifact of it, checking every file', async () => {
    const app = 'colleague'
    const project = trainProject(app)
    expect((await project.berth(['deploy', 'staging'])).code).toBe(0)
    const release = onHost(fleet, 'web1', app).live()!
    const cleared = await project.berth(['cache', 'clear'])
    expect(cleared.code, all(cleared)).toBe(0)
    // On web1 a file of the release was changed after delivery: it is not the build, web2's copy is.
    const intact = treeOf('web2', app, release)
    writeFileSync(join(fleet.hostDir('web1'), app, 'releases', release, 'index.js'), 'patched on the host\n')

    const promoted = await project.berth(['promote', 'staging', 'production'])
    expect(promoted.code, all(promoted)).toBe(0)
    expect(all(promoted)).toMatch(new RegExp(`read ${release} from web2 \\(\\d+ files, checked\\)`))
    expect(all(promoted)).toContain(`index.js in release ${release} on web1 is not the file its artifact lists`)
    expect(builds(project)).toBe(1)
    expect(treeOf('web3', app, release)).toEqual(intact)
    expect(onHost(fleet, 'web3', app).read('current/index.js')).toBe('server v1\n')
    // Kept: the next promote of it needs no host to read from.
    expect(readdirSync(join(project.cacheDir, 'artifacts')).filter((name) => /^[0-9a-f]{64}$/.test(name))).toHaveLength(1)
  })
})
