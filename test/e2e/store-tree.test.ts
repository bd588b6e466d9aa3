/**
 * `delivery.via: store` on a `transport: local` host (this machine plays the host: no sshd
 * needed) against the signature-checking S3 server: the release trees a store delivery must
 * build exactly as an upload does — submodules, empty files, two files with the same
 * content, symlinks, executables, odd names.
 */
import { lstatSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { gitIn, library } from '../helpers/git-library.js'
import { createProject, localConfig, type Project } from '../helpers/project.js'
import { startS3Server, type S3Server } from '../helpers/s3-server.js'

let base: string
let s3: S3Server
let project: Project | undefined
const extra: string[] = []

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'berth-store-tree-'))
  s3 = await startS3Server({ baseDir: base })
})
afterEach(() => {
  project?.cleanup()
  for (const dir of extra.splice(0)) rmSync(dir, { recursive: true, force: true })
})
afterAll(async () => {
  await s3?.stop()
  rmSync(base, { recursive: true, force: true })
})

function storeProject(app: string, files: Record<string, string | { content: string; mode: number }>, more: string[] = []): Project {
  const config = localConfig(['delivery:', '  via: store', `  store: { url: 's3://${s3.bucket}/berth/${app}', endpoint: '${s3.endpoint}' }`, ...more].join('\n'), { app })
  return createProject(config, files)
}

const deploy = (p: Project) => p.berth(['deploy', 'production'], { env: s3.env, realClock: true })

describe('delivery.via: store builds the release tree', () => {
  it('with the files of a submodule', async () => {
    project = storeProject('submodule', { 'app.js': 'app\n' })
    const lib = library({ 'lib.js': 'library v1\n', 'nested/deep.txt': 'deep\n' }, extra)
    gitIn(project.dir, 'submodule', 'add', '-q', lib, 'vendor/lib')
    gitIn(project.dir, 'commit', '-q', '-m', 'add lib')
    const result = await deploy(project)
    expect(result.code, result.stderr + result.stdout).toBe(0)
    expect(project.read('current/app.js')).toBe('app\n')
    expect(project.read('current/vendor/lib/lib.js')).toBe('library v1\n')
    expect(project.read('current/vendor/lib/nested/deep.txt')).toBe('deep\n')
  })

  it('with an empty file, two files of one content (each its own copy), a symlink, an executable and a name with a newline', async () => {
    project = storeProject('odd', {
      'empty.txt': '',
      'a/same.txt': 'same content\n',
      'b/same.txt': 'same content\n',
      'bin/run': { content: '#!/bin/sh\necho run\n', mode: 0o755 },
      "it's\nodd.txt": 'odd\n',
    })
    symlinkSync('a/same.txt', join(project.dir, 'link'))
    project.git('add', '-A')
    gitIn(project.dir, 'commit', '-q', '-m', 'link')
    const result = await deploy(project)
    expect(result.code, result.stderr + result.stdout).toBe(0)
    const live = join(project.target, 'current')
    expect(statSync(join(live, 'empty.txt')).size).toBe(0)
    expect(project.read("current/it's\nodd.txt")).toBe('odd\n')
    expect(statSync(join(live, 'bin/run')).mode & 0o777).toBe(0o755)
    expect(readlinkSync(join(live, 'link'))).toBe('a/same.txt')
    expect(lstatSync(join(live, 'link')).isSymbolicLink()).toBe(true)
    // A hook or the app writing into one file changes no other.
    const a = statSync(join(live, 'a/same.txt'))
    const b = statSync(join(live, 'b/same.txt'))
    expect(a.ino).not.toBe(b.ino)
    expect(a.nlink).toBe(1)
    writeFileSync(join(live, 'a/same.txt'), 'changed by the app\n')
    expect(project.read('current/b/same.txt')).toBe('same content\n')
  })

  it('as git archive gives it, as every delivery ships it: export-subst and eol attributes applied', async () => {
    project = storeProject('attributes', { '.gitattributes': 'version.txt export-subst\ncrlf.txt text eol=crlf\n', 'version.txt': 'commit $Format:%H$\n', 'crlf.txt': 'one\r\ntwo\r\n' })
    const result = await deploy(project)
    expect(result.code, result.stderr + result.stdout).toBe(0)
    expect(project.read('current/version.txt')).toBe(`commit ${project.git('rev-parse', 'HEAD').trim()}\n`)
    expect(project.read('current/crlf.txt')).toBe('one\r\ntwo\r\n')
  })

  it('from a build: the files the build made, read from its tree, many of them in packs', async () => {
    project = storeProject('built', { 'src.txt': 'source\n' }, ['build:', '  - run: mkdir -p dist && for i in $(seq 1 100); do echo "built $i" > "dist/file $i.js"; done', '    include: [dist/]'])
    const result = await project.berth(['deploy', 'production', '--json'], { env: s3.env, realClock: true })
    expect(result.code, result.stderr + result.stdout).toBe(0)
    const put = JSON.parse(result.stdout.split('\n').find((line) => line.includes('"store:put"'))!) as { blobs: number; packs: number }
    expect(put.blobs).toBeGreaterThanOrEqual(100)
    expect(put.packs).toBeGreaterThan(0)
    for (const i of [1, 50, 100]) expect(project.read(`current/dist/file ${i}.js`)).toBe(`built ${i}\n`)
  })
})
