/** The commented berth.yml that `berth init` writes: valid as written, and a tour of the options. */
export function starterConfig(app: string): string {
  return `# berth deploy configuration. Reference: https://www.npmjs.com/package/berth
app: ${app}
# repo: .                 # local path or git URL (default: the git repo this file is in)
branch: main              # ref deployed when --ref is not given
deployTo: /srv/${app}
keepReleases: 5
# strategy: upload        # upload (default): send the tree from here | git: each host fetches

# Build on this machine before uploading; listed outputs ship with the release.
# build:
#   - run: npm ci && npm run build
#     include: [dist/]

# Persistent across releases, symlinked into each one.
shared:
  dirs: [log]
  files: []

env:
  NODE_ENV: production
# secrets: [DATABASE_URL]   # values never appear in any output

environments:
  staging:
    hosts:
      - { host: staging.example.com, user: deploy, roles: [web, app, db] }
  production:
    hosts:
      - { host: web1.example.com, user: deploy, roles: [web, app] }
      - { host: db1.example.com, user: deploy, roles: [db], primary: true }

hooks:
  build:
    - run: 'true'           # e.g. npm ci --omit=dev
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
