/**
 * What `berth init` writes for the project it finds (README, "Your own project"): a Node,
 * Ruby or Python app gets the `build` hook that installs its dependencies on the hosts,
 * the shared directories its framework writes to, and `reuse` for the dependency
 * directory when a copy of it works in another release. Several can apply (a Rails app
 * with a yarn.lock for its assets); none applying leaves the generic starter.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export interface Recipe {
  /** What was found, for the file's comment and init's message: `Node (package-lock.json)`. */
  name: string
  /** `hooks.build` entries, as YAML lines (4 spaces in). */
  build: string[]
  reuse: string[]
  sharedDirs: string[]
  env: Record<string, string>
}

type Exists = (file: string) => boolean

/** The recipes that fit the project in `dir`, in the order their hooks run. */
export function detectRecipes(dir: string, exists: Exists = (file) => existsSync(join(dir, file))): Recipe[] {
  return [ruby(exists), node(exists), python(exists)].filter((recipe): recipe is Recipe => recipe !== undefined)
}

/** A hook entry that installs `dir`, skipped when the live release's copy is reused. */
function installing(command: string, dir: string, comment: string): string[] {
  return [`    # ${comment}`, `    - run: ${command}`, `      installs: [${dir}]`]
}

function node(exists: Exists): Recipe | undefined {
  const found = (['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'] as const).find(exists)
  if (found === undefined) return undefined
  const command =
    found === 'pnpm-lock.yaml'
      ? 'pnpm install --frozen-lockfile --prod'
      : found === 'yarn.lock'
        ? exists('.yarnrc.yml')
          ? 'yarn install --immutable'
          : 'yarn install --frozen-lockfile --production'
        : 'npm ci --omit=dev'
  return {
    name: `Node (${found})`,
    build: installing(command, 'node_modules', 'installs node_modules; skipped while the lockfile and Node are those of the live release'),
    reuse: ['node_modules'],
    sharedDirs: ['log'],
    env: { NODE_ENV: 'production' },
  }
}

function ruby(exists: Exists): Recipe | undefined {
  if (!exists('Gemfile.lock')) return undefined
  const isRails = exists('config/application.rb') || exists('bin/rails')
  return {
    name: `Ruby${isRails ? ' on Rails' : ''} (Gemfile.lock)`,
    build: [
      "    # Bundler's deployment mode, gems in vendor/bundle: written to the release's .bundle/config on every deploy",
      "    - run: bundle config set --local deployment true && bundle config set --local path vendor/bundle && bundle config set --local without 'development test'",
      ...installing('bundle install --jobs 4', 'vendor/bundle', 'installs vendor/bundle; skipped while Gemfile.lock and Ruby are those of the live release'),
    ],
    reuse: ['vendor/bundle'],
    sharedDirs: isRails ? ['log', 'tmp/pids', 'tmp/cache', 'tmp/sockets', 'public/system', 'storage'] : ['log', 'tmp/pids'],
    env: isRails ? { RAILS_ENV: 'production', RACK_ENV: 'production' } : { RACK_ENV: 'production' },
  }
}

/**
 * A virtualenv is made in each release, never reused: it holds its own absolute path (in
 * every script's `#!` line), so a copy would run the old release's packages. pip's cache in
 * `shared/` keeps the reinstall from downloading again.
 */
function python(exists: Exists): Recipe | undefined {
  const found = (['requirements.txt', 'pyproject.toml'] as const).find(exists)
  if (found === undefined) return undefined
  const install = found === 'requirements.txt' ? '-r requirements.txt' : '.'
  return {
    name: `Python (${found})`,
    build: [
      '    # a virtualenv per release (one cannot be copied to another path); downloads cached in shared/pip-cache',
      `    - run: python3 -m venv .venv && .venv/bin/pip install --cache-dir "$BERTH_DEPLOY_TO/shared/pip-cache" ${install}`,
    ],
    reuse: [],
    sharedDirs: ['log'],
    env: { PYTHONUNBUFFERED: '1' },
  }
}
