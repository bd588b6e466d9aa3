/**
 * A host that Capistrano deployed before: `current` an absolute link to
 * `releases/YYYYMMDDHHMMSS`, a `REVISION` in each release, `revisions.log` at the top and
 * `shared/` with the linked files, built here the way Capistrano builds them. berth lists
 * those releases (as not its own), deploys over them, goes back to them, counts them in
 * cleanup (oldest first, never the live or the last good one), and never touches `shared/`.
 */
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type CliResult, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const CAP = ['20261120101500', '20261121101500', '20261122101500']
const sha = (i: number): string => `${i}`.repeat(40)
const out = (result: CliResult): string => `${result.stdout}\n${result.stderr}`

/** What `cap production deploy` leaves, three times over (shared files linked by absolute path, as Capistrano links them). */
function capistranoLayout(root: string): void {
  mkdirSync(join(root, 'shared', 'config'), { recursive: true })
  mkdirSync(join(root, 'shared', 'log'), { recursive: true })
  mkdirSync(join(root, 'repo'), { recursive: true })
  writeFileSync(join(root, 'shared', 'config', 'database.yml'), 'production: { database: shop }\n')
  writeFileSync(join(root, 'shared', 'log', 'production.log'), 'served by capistrano\n')
  const log: string[] = []
  CAP.forEach((id, i) => {
    const release = join(root, 'releases', id)
    mkdirSync(join(release, 'config'), { recursive: true })
    writeFileSync(join(release, 'index.html'), `<h1>capistrano ${i}</h1>\n`)
    writeFileSync(join(release, 'REVISION'), `${sha(i + 1)}\n`)
    writeFileSync(join(release, 'REVISION_TIME'), '1795600000\n')
    symlinkSync(join(root, 'shared', 'config', 'database.yml'), join(release, 'config', 'database.yml'))
    symlinkSync(join(root, 'shared', 'log'), join(release, 'log'))
    log.push(`Branch main (at ${sha(i + 1)}) deployed as release ${id} by deployer`)
  })
  symlinkSync(join(root, 'releases', CAP[2]!), join(root, 'current'))
  writeFileSync(join(root, 'revisions.log'), `${log.join('\n')}\n`)
}

/** Every file under shared/, with its content (links as their target). */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const full = join(dir, path)
    const stat = lstatSync(full)
    if (stat.isSymbolicLink()) files[path] = `-> ${readlinkSync(full)}`
    else if (stat.isFile()) files[path] = readFileSync(full, 'utf8')
  }
  return files
}

describe('a host Capistrano deployed before', () => {
  it('is adopted: its releases listed, deployed over, rolled back to, cleaned up oldest first, shared/ untouched', async () => {
    const p = (project = createProject(localConfig(['shared:', '  dirs: [log]', '  files: [config/database.yml]'].join('\n'))))
    capistranoLayout(p.target)
    const shared = snapshot(join(p.target, 'shared'))
    const revisions = readFileSync(join(p.target, 'revisions.log'), 'utf8')

    const listed = await p.berth(['releases', 'production'])
    expect(listed.code, out(listed)).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`→ ${CAP[2]} +capistrano +${sha(3).slice(0, 12)}`))
    expect(listed.stdout).toMatch(new RegExp(`  ${CAP[0]} +capistrano +${sha(1).slice(0, 12)}`))
    const status = await p.berth(['status', 'production'])
    expect(status.stdout).toContain(`${CAP[2]} (made by Capistrano)`)
    expect(status.stdout).toContain(sha(3).slice(0, 12))

    // berth's first deploy: the Capistrano release live before is recorded as the one to go back to.
    const first = await p.berth(['deploy', 'production'])
    expect(first.code, out(first)).toBe(0)
    const mine = p.live()!
    expect(p.current()).toBe(`releases/${mine}`)
    expect(p.read('current/config/database.yml')).toBe('production: { database: shop }\n')
    expect(p.record(CAP[2]!)).toMatchObject({ state: 'ready', revision: sha(3) })
    // keepReleases 3: the oldest Capistrano release went; the last good one stays.
    expect(p.releases()).toEqual([CAP[1], CAP[2], mine])

    const back = await p.berth(['rollback', 'production'])
    expect(back.code, out(back)).toBe(0)
    expect(p.current()).toBe(`releases/${CAP[2]}`)
    expect(p.read('current/index.html')).toBe('<h1>capistrano 2</h1>\n')
    expect(p.history().at(-1)).toMatchObject({ kind: 'rollback', from: mine, release: CAP[2], result: 'success' })

    // --to names any Capistrano release that has its REVISION; one without is refused.
    p.commit({ 'index.html': '<h1>berth 2</h1>\n' })
    const second = await p.berth(['deploy', 'production'])
    expect(second.code, out(second)).toBe(0)
    const older = await p.berth(['rollback', 'production', '--to', CAP[1]!])
    expect(older.code, out(older)).toBe(0)
    expect(p.read('current/index.html')).toBe('<h1>capistrano 1</h1>\n')
    mkdirSync(join(p.target, 'releases', '20261119101500'))
    const incomplete = await p.berth(['rollback', 'production', '--to', '20261119101500'])
    expect(incomplete.code).toBe(1)
    expect(incomplete.stderr).toContain('has no REVISION file')
    expect(p.read('current/index.html')).toBe('<h1>capistrano 1</h1>\n')

    expect(snapshot(join(p.target, 'shared'))).toEqual(shared)
    expect(readFileSync(join(p.target, 'revisions.log'), 'utf8')).toBe(revisions)
  })

  it('never loses the live Capistrano release or the last good one to cleanup, however small keepReleases is', async () => {
    const p = (project = createProject(localConfig().replace('keepReleases: 3', 'keepReleases: 1')))
    capistranoLayout(p.target)
    const deployed = await p.berth(['deploy', 'production'])
    expect(deployed.code, out(deployed)).toBe(0)
    expect(p.releases()).toEqual([CAP[2], p.live()])
  })
})
