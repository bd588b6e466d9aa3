import { existsSync } from 'node:fs'
import { dirname, join, relative, sep } from 'node:path'
import type { Recipe } from './init-recipes.js'

/** Where `npm i -D berth-deploy` puts the JSON Schema, from the directory holding node_modules. */
const INSTALLED_SCHEMA = join('node_modules', 'berth-deploy', 'schema', 'berth.schema.json')

/**
 * The `$schema` path for a berth.yml written in `dir`, relative to that file as the YAML
 * language server reads it: the schema of the nearest installed berth-deploy (in `dir` or a
 * parent, as in a monorepo whose packages share the root's node_modules), else where
 * `npm i -D berth-deploy` in `dir` will put it.
 */
export function schemaPathFor(dir: string, exists: (path: string) => boolean = existsSync): string {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, INSTALLED_SCHEMA)
    if (exists(candidate)) return asRelative(relative(dir, candidate))
    if (dirname(at) === at) return asRelative(INSTALLED_SCHEMA)
  }
}

/** `./x` rather than `x`, so the path reads as relative; forward slashes, as in a URL. */
function asRelative(path: string): string {
  const slashed = path.split(sep).join('/')
  return slashed.startsWith('../') ? slashed : `./${slashed}`
}

/**
 * The commented berth.yml that `berth init` writes: valid as written, and a tour of the
 * options. `schemaPath` (see `schemaPathFor`) gives editors completion and checking;
 * `recipes` (see `init-recipes.ts`) the dependency install for the project found.
 */
export function starterConfig(app: string, schemaPath: string, recipes: readonly Recipe[] = []): string {
  const sharedDirs = [...new Set(['log', ...recipes.flatMap((recipe) => recipe.sharedDirs)])]
  const env = recipes.length === 0 ? { NODE_ENV: 'production' } : Object.assign({}, ...recipes.map((recipe) => recipe.env))
  const reuse = recipes.flatMap((recipe) => recipe.reuse)
  const build = recipes.length === 0 ? ["    - run: 'true'           # e.g. npm ci --omit=dev"] : recipes.flatMap((recipe) => recipe.build)
  const detected = recipes.length === 0 ? '' : `# Written for: ${recipes.map((recipe) => recipe.name).join(', ')}.\n`
  const reuseLines =
    reuse.length === 0
      ? ''
      : `
# Dependency directories copied from the live release instead of installed again while
# their lockfile, runtime version and install command are unchanged (the live release's
# copy is never changed); the build hook that says \`installs:\` is then skipped.
reuse: [${reuse.join(', ')}]
`
  return `# yaml-language-server: $schema=${schemaPath}
# berth deploy configuration. The options are described in berth-deploy's README
# (node_modules/berth-deploy/README.md); the schema above lets editors check this file.
${detected}app: ${app}
# repo: .                 # local path or git URL (default: the git repo this file is in)
branch: main              # ref deployed when --ref is not given
deployTo: /srv/${app}
keepReleases: 5
# strategy: upload        # upload (default): send the tree from here | git: each host fetches
# For many hosts or a slow uplink, the files can travel another way (README, "Delivery at
# scale"): through relay hosts, or through an S3-compatible store.
# delivery:
#   via: relay            # direct (default) | relay | store
#   # relays: [...]       # default: the primary; each must be a host of every environment
#   #                       # it applies to, so set it under an environment
#   # store: { url: s3://my-bucket/shop }   # with via: store

# Build on this machine, in a clean checkout of the commit, before uploading; listed
# outputs ship with the release. Built once per commit: a redeploy reuses the build.
# build:
#   - run: npm ci && npm run build
#     include: [dist/]

# Persistent across releases, symlinked into each one.
shared:
  dirs: [${sharedDirs.join(', ')}]
  files: []
${reuseLines}
env:
${Object.entries(env).map(([name, value]) => `  ${name}: ${JSON.stringify(value)}`).join('\n')}
# secrets: [DATABASE_URL]   # values never appear in any output

# The page \`berth maintenance ENV on\` and \`deploy --maintenance\` put up (served as 503 by
# your web server while it exists: see the README, "Maintenance page").
# maintenance:
#   template: deploy/maintenance.html   # {message} and {since} are filled in

environments:
  staging:
    hosts:
      - { host: staging.example.com, user: deploy, roles: [web, app, db] }
  production:
    hosts:
      - { host: web1.example.com, user: deploy, roles: [web, app] }
      - { host: db1.example.com, user: deploy, roles: [db], primary: true }
    # tag: "{yyyy}{mm}.{n}"  # tag each commit that went live here (202612.1, 202612.2, ...)

hooks:
  build:                    # on each host, in the new release, before it goes live
${build.join('\n')}
  # migrate:
  #   - run: npm run migrate
  #     roles: [db]
  #     once: true
  restart:
    - run: mkdir -p tmp && touch tmp/restart.txt
  # verify:
  #   - http: http://127.0.0.1:3000/health
  #     timeout: 30s
`
}
