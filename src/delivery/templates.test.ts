import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { afterEach, describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../config/types.js'
import { ConfigError } from '../errors.js'
import { renderTemplates } from './templates.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function repo(files: Record<string, string>): { dir: string; sha: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-templates-'))
  dirs.push(dir)
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' }).trim()
  git('init', '-q', '-b', 'main')
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  git('add', '-A')
  git('commit', '-q', '-m', 'templates')
  return { dir, sha: git('rev-parse', 'HEAD') }
}

function config(templates: { src: string; dest: string }[], env: Record<string, string>, subdir?: string): ResolvedConfig {
  const c = { configFile: '/x/berth.yml', env, templates: templates.map((t, i) => ({ ...t, source: `templates[${i}]` })) } as unknown as ResolvedConfig
  if (subdir !== undefined) c.subdir = subdir
  return c
}

/** The archive's files, read back with the system tar. */
async function unpack(archive: Buffer): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-unpacked-'))
  dirs.push(dir)
  execFileSync('tar', ['-x', '-f', '-', '-C', dir], { input: archive })
  const names = execFileSync('ls', [dir], { encoding: 'utf8' }).trim().split('\n')
  return Object.fromEntries(names.map((name) => [name, execFileSync('cat', [join(dir, name)], { encoding: 'utf8' })]))
}

describe('renderTemplates', () => {
  it('renders each src from the commit with env and secrets, in order, to an archive of 0600 entries', async () => {
    const { dir, sha } = repo({ 'server/config/db.yml.tmpl': 'host: ${DB_HOST}\npassword: ${DB_PASSWORD}\ncost: $$5 and $HOME\n', 'server/.env.tmpl': 'PORT=${PORT:-3000}\n' })
    writeFileSync(join(dir, 'server/.env.tmpl'), 'uncommitted\n')
    const c = config([{ src: 'config/db.yml.tmpl', dest: 'config/db.yml' }, { src: '.env.tmpl', dest: '.env' }], { DB_HOST: 'db1', DB_PASSWORD: 's3cr3t' }, 'server')
    const rendered = (await renderTemplates(c, dir, sha))!
    expect(rendered.dests).toEqual(['config/db.yml', '.env'])
    expect(await unpack(await buffer(rendered.open()))).toEqual({ 0: 'host: db1\npassword: s3cr3t\ncost: $5 and $HOME\n', 1: 'PORT=3000\n' })
    // A fresh stream for every host.
    expect((await buffer(rendered.open())).length).toBeGreaterThan(0)
    expect(await renderTemplates(config([], {}), dir, sha)).toBeUndefined()
  })

  it('refuses, with every problem at once, a variable not set, a bad reference by line, and a src not in the commit', async () => {
    const { dir, sha } = repo({ 'a.tmpl': 'x: ${A}\ny: ${B}\nz: ${oops\n', 'b.tmpl': '${B}\n' })
    writeFileSync(join(dir, 'c.tmpl'), 'not committed\n')
    const c = config([{ src: 'a.tmpl', dest: 'a' }, { src: 'b.tmpl', dest: 'b' }, { src: 'c.tmpl', dest: 'c' }], { A: '1' })
    const error = await renderTemplates(c, dir, sha).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).exitCode).toBe(2)
    expect((error as ConfigError).message.split('\n')).toEqual([
      'berth.yml templates[0].src: a.tmpl:3: unterminated "${" in "z: ${oops": close it with "}" or write "$$" for a literal "$"',
      'berth.yml templates[0].src: a.tmpl uses ${B}, which is not set: name it under env or secrets, with a value in the deploying environment (or write ${B:-default})',
      'berth.yml templates[1].src: b.tmpl uses ${B}, which is not set: name it under env or secrets, with a value in the deploying environment (or write ${B:-default})',
      `berth.yml templates[2].src: c.tmpl is not a file in the deployed commit ${sha.slice(0, 7)}: commit it, or fix the path`,
    ])
    // A plan shows where templates go, not what they hold: unset variables do not stop it.
    const planned = await renderTemplates(config([{ src: 'b.tmpl', dest: 'b' }], {}), dir, sha, { allowUnset: true })
    expect(planned?.dests).toEqual(['b'])
  })
})
