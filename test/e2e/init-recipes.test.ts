/**
 * `berth init` in Node, Ruby and Python projects: the file it writes names the install
 * hook, the shared directories and `reuse` that fit, and is valid config as written
 * (`berth config`). The npm recipe then deploys for real: a real `npm ci --omit=dev` (a
 * dependency from a tarball in the repo: no network), and a redeploy that reuses it.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isolatedDirs } from '../helpers/isolated-env.js'
import { BIN } from '../helpers/project.js'

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A git repo holding `files`, and the CLI run in it. */
function app(files: Record<string, string>) {
  const base = mkdtempSync(join(tmpdir(), 'berth-recipe-'))
  made.push(base)
  const dir = join(base, 'shop')
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  mkdirSync(dir, { recursive: true })
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' })
  git('init', '-q', '-b', 'main')
  const { env } = isolatedDirs(join(base, 'home'))
  const berth = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env, NO_COLOR: '1' } })
  return { base, dir, git, berth, config: () => readFileSync(join(dir, 'berth.yml'), 'utf8') }
}

const RECIPES: [string, Record<string, string>, string[]][] = [
  ['npm', { 'package-lock.json': '{}' }, ['# Written for: Node (package-lock.json).', '    - run: npm ci --omit=dev\n      installs: [node_modules]', 'reuse: [node_modules]', 'NODE_ENV: "production"']],
  ['pnpm', { 'pnpm-lock.yaml': '' }, ['    - run: pnpm install --frozen-lockfile --prod\n      installs: [node_modules]', 'reuse: [node_modules]']],
  ['yarn classic', { 'yarn.lock': '' }, ['    - run: yarn install --frozen-lockfile --production\n      installs: [node_modules]']],
  ['yarn berry', { 'yarn.lock': '', '.yarnrc.yml': '' }, ['    - run: yarn install --immutable\n      installs: [node_modules]']],
  ['ruby', { Gemfile: '', 'Gemfile.lock': '' }, ['bundle config set --local deployment true', '    - run: bundle install --jobs 4\n      installs: [vendor/bundle]', 'reuse: [vendor/bundle]', 'dirs: [log, tmp/pids]', 'RACK_ENV: "production"']],
  [
    'rails with yarn',
    { 'Gemfile.lock': '', 'config/application.rb': '', 'yarn.lock': '' },
    ['# Written for: Ruby on Rails (Gemfile.lock), Node (yarn.lock).', 'reuse: [vendor/bundle, node_modules]', 'dirs: [log, tmp/pids, tmp/cache, tmp/sockets, public/system, storage]', 'RAILS_ENV: "production"'],
  ],
  ['python requirements', { 'requirements.txt': 'flask\n' }, ['python3 -m venv .venv && .venv/bin/pip install --cache-dir "$BERTH_DEPLOY_TO/shared/pip-cache" -r requirements.txt']],
  ['python pyproject', { 'pyproject.toml': '' }, ['.venv/bin/pip install --cache-dir "$BERTH_DEPLOY_TO/shared/pip-cache" .']],
]

describe('berth init recipes', () => {
  it.each(RECIPES)('%s: the install hook, shared dirs and reuse, valid as written', (_name, files, expected) => {
    const a = app(files)
    const init = a.berth('init')
    expect(init.status, init.stderr).toBe(0)
    for (const text of expected) expect(a.config()).toContain(text)
    const shown = a.berth('config', 'production')
    expect(shown.status, shown.stderr).toBe(0)
  })

  it('writes the generic starter when it recognises nothing, and no reuse for Python', () => {
    for (const files of [{ 'index.html': '' }, { 'requirements.txt': '' }] as Record<string, string>[]) {
      const a = app(files)
      expect(a.berth('init').status).toBe(0)
      expect(a.config()).not.toContain('reuse:')
      expect(a.berth('config', 'production').status).toBe(0)
    }
  })

  it('npm: the written config deploys with a real npm ci, and a redeploy reuses node_modules', () => {
    const dep = app({ 'package.json': '{"name":"tiny-dep","version":"1.0.0","main":"index.js"}', 'index.js': 'module.exports = "tiny"\n' })
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dep.base], { cwd: dep.dir })
    const a = app({ 'index.js': 'console.log(require("tiny-dep"))\n' })
    mkdirSync(join(a.dir, 'vendor'))
    writeFileSync(join(a.dir, 'vendor', 'tiny-dep-1.0.0.tgz'), readFileSync(join(dep.base, 'tiny-dep-1.0.0.tgz')))
    writeFileSync(join(a.dir, 'package.json'), JSON.stringify({ name: 'shop', version: '1.0.0', dependencies: { 'tiny-dep': 'file:vendor/tiny-dep-1.0.0.tgz' } }))
    execFileSync('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], { cwd: a.dir, stdio: 'ignore' })
    expect(a.berth('init').status).toBe(0)
    // The two lines a user edits: where, and which hosts.
    const target = join(a.base, 'srv')
    const local = ['environments:', '  production:', '    hosts:', '      - { host: localhost, transport: local }', '']
    const config = a.config().replace(/^deployTo: .*$/m, `deployTo: ${target}`).replace(/^environments:[\s\S]*?(?=^hooks:)/m, local.join('\n'))
    writeFileSync(join(a.dir, 'berth.yml'), config)
    a.git('add', '-A')
    a.git('commit', '-qm', 'one')
    const first = a.berth('deploy', 'production', '-v')
    expect(first.status, first.stdout + first.stderr).toBe(0)
    expect(readFileSync(join(target, 'current', 'node_modules', 'tiny-dep', 'index.js'), 'utf8')).toBe('module.exports = "tiny"\n')
    a.git('commit', '-qm', 'two', '--allow-empty')
    const second = a.berth('deploy', 'production')
    expect(second.status, second.stdout + second.stderr).toBe(0)
    expect(second.stdout).toContain('`npm ci --omit=dev` not run')
    expect(existsSync(join(target, 'current', 'node_modules', 'tiny-dep', 'index.js'))).toBe(true)
  })
})
