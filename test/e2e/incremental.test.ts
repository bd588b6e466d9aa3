import { readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

/** The upload events of a `--json` deploy: what travelled to each host. */
function uploads(stdout: string): { bytes: number; files: number }[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes('"upload:progress"'))
    .map((line) => JSON.parse(line) as { bytes: number; files: number })
}

const files = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`src/file${i}.txt`, `content ${i}\n`]))

describe('incremental upload', () => {
  it('sends only changed files, copies the rest on the host, and never changes an older release', async () => {
    project = createProject(localConfig(), { ...files(40), 'REVISION': 'the app ships its own REVISION\n', 'keep.txt': 'kept\n', 'gone.txt': 'bye\n' })
    const first = await project.berth(['deploy', 'production', '--json'])
    expect(first.code).toBe(0)
    expect(uploads(first.stdout)[0]!.files).toBe(45)
    const [v1] = project.releases()
    const v1Dir = join(project.target, 'releases', v1!)
    const v1Revision = readFileSync(join(v1Dir, 'REVISION'), 'utf8')

    project.git('rm', '-q', 'gone.txt')
    project.commit({ 'src/file3.txt': 'changed\n', 'new.txt': 'new\n' })
    const second = await project.berth(['deploy', 'production', '--json'])
    expect(second.code).toBe(0)
    const sent = uploads(second.stdout)[0]!
    expect(sent.files).toBe(2) // src/file3.txt and new.txt; the other 42 files are copied on the host
    const v2 = project.releases().find((r) => r !== v1)!
    const v2Dir = join(project.target, 'releases', v2)

    // Unchanged files are copies (never the same inode: nothing can write through into v1); old content intact.
    expect(readFileSync(join(v2Dir, 'keep.txt'), 'utf8')).toBe('kept\n')
    expect(statSync(join(v2Dir, 'keep.txt')).ino).not.toBe(statSync(join(v1Dir, 'keep.txt')).ino)
    expect(statSync(join(v2Dir, 'keep.txt')).mode).toBe(statSync(join(v1Dir, 'keep.txt')).mode)
    expect(statSync(join(v2Dir, 'src/file3.txt')).ino).not.toBe(statSync(join(v1Dir, 'src/file3.txt')).ino)
    expect(readFileSync(join(v1Dir, 'src/file3.txt'), 'utf8')).toBe('content 3\n')
    expect(readFileSync(join(v2Dir, 'src/file3.txt'), 'utf8')).toBe('changed\n')
    // Deleted files are absent from the new release, still present in the old one.
    expect(existsSync(join(v2Dir, 'gone.txt'))).toBe(false)
    expect(existsSync(join(v1Dir, 'gone.txt'))).toBe(true)
    // REVISION is replaced in the new release, never written through into the old one.
    expect(readFileSync(join(v1Dir, 'REVISION'), 'utf8')).toBe(v1Revision)
    expect(readFileSync(join(v2Dir, 'REVISION'), 'utf8').trim()).toBe(project.git('rev-parse', 'HEAD'))
    // berth's own delivery files are gone from beside the release, and never were inside it.
    expect(readdirSync(join(project.target, 'releases')).filter((name) => name.startsWith('.'))).toEqual([])
  })

  it('sends no file content when nothing changed', async () => {
    project = createProject(localConfig(), files(20))
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    const again = await project.berth(['deploy', 'production', '--json'])
    expect(again.code).toBe(0)
    expect(uploads(again.stdout)[0]).toMatchObject({ bytes: 0 })
  })

  it('falls back to a full upload when the live release or its file list is damaged or gone', async () => {
    project = createProject(localConfig(), files(10))
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    const [v1] = project.releases()
    writeFileSync(join(project.target, '.berth', 'releases', `${v1}.files`), '{damaged\n')
    project.commit({ 'src/file1.txt': 'v2\n' })
    const damaged = await project.berth(['deploy', 'production', '--json'])
    expect(damaged.code).toBe(0)
    expect(uploads(damaged.stdout)[0]!.files).toBe(12) // all: 10 + index.html + berth.yml

    const v2 = project.releases().find((r) => r !== v1)!
    rmSync(join(project.target, '.berth', 'releases', `${v2}.files`))
    project.commit({ 'src/file2.txt': 'v3\n' })
    const missing = await project.berth(['deploy', 'production', '--json'])
    expect(missing.code).toBe(0)
    expect(uploads(missing.stdout)[0]!.files).toBe(12)
    const live = project.current()!
    expect(readFileSync(join(project.target, live, 'src/file2.txt'), 'utf8')).toBe('v3\n')
  })

  it('reads the live file list from the host when this machine does not have it (another machine deployed)', async () => {
    project = createProject(localConfig(), files(30))
    // Two deploying machines: each its own cache of file lists (BERTH_CACHE_DIR).
    const alice = { BERTH_CACHE_DIR: join(project.base, 'alice') }
    const bob = { BERTH_CACHE_DIR: join(project.base, 'bob') }
    expect((await project.berth(['deploy', 'production'], { env: alice })).code).toBe(0)
    expect(readdirSync(join(project.base, 'alice', 'manifests'))).toHaveLength(1)
    // Alice's machine now expects her release on the host; Bob's deploy makes that guess wrong.
    expect(readdirSync(join(project.base, 'alice', 'live'))).toHaveLength(1)
    project.commit({ 'src/file7.txt': 'bob was here\n' })
    const fromBob = await project.berth(['deploy', 'production', '--json'], { env: bob })
    expect(fromBob.code, fromBob.stderr).toBe(0)
    expect(uploads(fromBob.stdout)[0]!.files).toBe(1)
    project.commit({ 'src/file8.txt': 'alice again\n' })
    const fromAlice = await project.berth(['deploy', 'production', '--json'], { env: alice })
    expect(fromAlice.code, fromAlice.stderr).toBe(0)
    expect(uploads(fromAlice.stdout)[0]!.files).toBe(1)
  })

  it('links from the release that is really live after a rollback, not from the one this machine left there', async () => {
    project = createProject(localConfig(), files(15))
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    const [v1] = project.releases()
    project.commit({ 'src/file1.txt': 'v2\n' })
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    expect((await project.berth(['rollback', 'production'])).code).toBe(0)
    expect(project.current()).toBe(`releases/${v1}`)

    project.commit({ 'src/file2.txt': 'v3\n' })
    const third = await project.berth(['deploy', 'production', '--json'])
    expect(third.code, third.stderr).toBe(0)
    // Against v1: file1 (changed in v2, so not in v1 either) and file2 travel.
    expect(uploads(third.stdout)[0]!.files).toBe(2)
    const v3Dir = join(project.target, project.current()!)
    expect(readFileSync(join(v3Dir, 'src/file5.txt'), 'utf8')).toBe('content 5\n')
    expect(readFileSync(join(v3Dir, 'src/file1.txt'), 'utf8')).toBe('v2\n')
    expect(readFileSync(join(v3Dir, 'src/file2.txt'), 'utf8')).toBe('v3\n')
  })

  it('a hook that writes into tracked files of the new release never changes the live one or an older one', async () => {
    const hooks = [
      'hooks:',
      '  build:',
      // Writes through (truncate, append, chmod) the ways bundlers and scripts do; then fails when told to.
      "    - run: echo compiled > keep.txt && echo more >> src/file1.txt && chmod 600 src/file2.txt && if [ -f __BASE__/fail ]; then exit 3; fi",
    ]
    project = createProject(localConfig(hooks.join('\n')), { ...files(5), 'keep.txt': 'kept\n' })
    writeFileSync(join(project.base, 'fail'), '')
    expect((await project.berth(['deploy', 'production'])).code).toBe(1)
    rmSync(join(project.base, 'fail'))
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    const v1 = project.live()!
    const v1Dir = join(project.target, 'releases', v1)
    const before = { keep: readFileSync(join(v1Dir, 'keep.txt'), 'utf8'), one: readFileSync(join(v1Dir, 'src/file1.txt'), 'utf8'), mode: statSync(join(v1Dir, 'src/file2.txt')).mode }
    expect(before.keep).toBe('compiled\n')

    // A redeploy whose build hook fails after writing: the live release must be exactly as it was.
    project.commit({ 'src/file4.txt': 'v2\n' })
    writeFileSync(join(project.base, 'fail'), '')
    expect((await project.berth(['deploy', 'production'])).code).toBe(1)
    expect(project.live()).toBe(v1)
    expect(readFileSync(join(v1Dir, 'keep.txt'), 'utf8')).toBe(before.keep)
    expect(readFileSync(join(v1Dir, 'src/file1.txt'), 'utf8')).toBe(before.one)
    expect(statSync(join(v1Dir, 'src/file2.txt')).mode).toBe(before.mode)

    // And one that succeeds: the new release has its own copies, the old one is untouched.
    rmSync(join(project.base, 'fail'))
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    expect(project.live()).not.toBe(v1)
    expect(readFileSync(join(v1Dir, 'src/file1.txt'), 'utf8')).toBe(before.one)
    expect(statSync(join(v1Dir, 'src/file2.txt')).mode).toBe(before.mode)
    // v1's own hook had appended to file1 after v1 arrived: that file is not the one v1's list
    // names, so it travelled again rather than being passed on (one "more", not two).
    expect(readFileSync(join(project.target, 'current', 'src/file1.txt'), 'utf8')).toBe('content 1\nmore\n')
  })

  it('a file of the live release changed on the host since it arrived travels again', async () => {
    project = createProject(localConfig(), { ...files(10), 'keep.txt': 'kept\n' })
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    const v1Dir = join(project.target, 'current')
    // The app (or a person) writes into a tracked file of the live release.
    writeFileSync(join(v1Dir, 'keep.txt'), 'changed on the host\n')
    project.commit({ 'src/file0.txt': 'v2\n' })
    const second = await project.berth(['deploy', 'production', '--json'])
    expect(second.code, second.stderr).toBe(0)
    expect(uploads(second.stdout)[0]!.files).toBe(2) // src/file0.txt, and keep.txt again
    expect(readFileSync(join(project.target, 'current', 'keep.txt'), 'utf8')).toBe('kept\n')
  })
})
