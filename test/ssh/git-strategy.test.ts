/**
 * `strategy: git` over ssh: each host keeps a mirror of the repo in <deployTo>/repo,
 * fetches into it and archives the resolved sha into the release. The hosts share this
 * machine's /tmp (only /srv is their own), so a bare repo under the project's temp dir is
 * a `file://` URL every host can reach, like a git server would be.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { all, fleetProject, onHost } from './fleet-project.js'

let fleet: Fleet
let project: Project | undefined
const NAMES = ['web1', 'web2', 'web3']
const APP = 'gitapp'

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 })
})
afterAll(async () => {
  project?.cleanup()
  await fleet?.stop()
})

describe('strategy: git', () => {
  it('mirrors the repo on every host, deploys, redeploys after a push and rolls back', async () => {
    project = fleetProject(fleet, { app: APP, extra: ['strategy: git', 'repo: file://__BASE__/app.git'] })
    const bare = join(project.base, 'app.git')
    execFileSync('git', ['clone', '-q', '--bare', project.dir, bare])
    const hosts = NAMES.map((name) => onHost(fleet, name, APP))
    const mirror = (name: string): string => join(fleet.hostDir(name), APP, 'repo')
    const hasCommit = (name: string, sha: string): boolean => {
      try {
        execFileSync('git', ['--git-dir', mirror(name), 'cat-file', '-e', `${sha}^{commit}`], { stdio: 'ignore' })
        return true
      } catch {
        return false
      }
    }

    const check = await project.berth(['check', 'production'])
    expect(check.code, all(check)).toBe(0)
    for (const name of NAMES) expect(check.stdout).toMatch(new RegExp(`✓ ${name}: connected \\(host key known, login accepted\\); sh tar mkdir ln mv readlink git;`))

    const sha1 = project.git('rev-parse', 'HEAD')
    const first = await project.berth(['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const v1 = hosts[0]!.live()!
    for (const [i, host] of hosts.entries()) {
      expect(host.live()).toBe(v1)
      expect(host.read('current/index.html')).toBe('<h1>v1</h1>\n')
      expect(host.read('current/REVISION').trim()).toBe(sha1)
      expect(hasCommit(NAMES[i]!, sha1)).toBe(true)
    }

    // The hosts deploy what the remote has, not what this checkout has.
    const sha2 = project.commit({ 'index.html': '<h1>v2</h1>\n' })
    project.git('push', '-q', bare, 'main')
    const second = await project.berth(['deploy', 'production', '-q'])
    expect(second.code, all(second)).toBe(0)
    const v2 = hosts[0]!.live()!
    expect(v2).not.toBe(v1)
    expect(v2.endsWith(sha2.slice(0, 7))).toBe(true)
    for (const [i, host] of hosts.entries()) {
      expect(host.live()).toBe(v2)
      expect(host.read('current/index.html')).toBe('<h1>v2</h1>\n')
      expect(hasCommit(NAMES[i]!, sha2)).toBe(true)
      expect(host.exists(`releases/${v2}/.git`)).toBe(false)
    }

    const rollback = await project.berth(['rollback', 'production', '-q'])
    expect(rollback.code, all(rollback)).toBe(0)
    for (const host of hosts) {
      expect(host.live()).toBe(v1)
      expect(host.read('current/index.html')).toBe('<h1>v1</h1>\n')
    }
  })

  it('fetches submodules from their own remotes, relative URLs included', async () => {
    const sub = fleetProject(fleet, { app: 'libsrc' })
    sub.commit({ 'lib.js': 'library v1\n' })
    const app = fleetProject(fleet, { app: 'subapp', extra: ['strategy: git', 'repo: file://__BASE__/app.git'] })
    // The library's remote sits next to the app's, and .gitmodules names it relatively.
    execFileSync('git', ['clone', '-q', '--bare', sub.dir, join(app.base, 'lib.git')])
    const git = (...args: string[]): string =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'protocol.file.allow=always', ...args], { cwd: app.dir, encoding: 'utf8' })
    git('remote', 'add', 'origin', `file://${join(app.base, 'app.git')}`)
    git('submodule', 'add', '-q', '../lib.git', 'vendor/lib')
    git('commit', '-q', '-m', 'lib')
    expect(git('config', '--file', '.gitmodules', 'submodule.vendor/lib.url').trim()).toBe('../lib.git')
    execFileSync('git', ['clone', '-q', '--bare', app.dir, join(app.base, 'app.git')])
    try {
      const result = await app.berth(['deploy', 'production', '-q'])
      expect(result.code, all(result)).toBe(0)
      for (const name of NAMES) {
        const host = onHost(fleet, name, 'subapp')
        expect(host.read('current/vendor/lib/lib.js')).toBe('library v1\n')
        expect(host.exists('repo/modules/vendor%2Flib/HEAD')).toBe(true)
      }
    } finally {
      app.cleanup()
      sub.cleanup()
    }
  })
})
