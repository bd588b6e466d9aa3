/**
 * The config reference (`docs/config.md`), written from the published JSON Schema so the
 * page, the editors' completion and the validation can never disagree. Each object the
 * schema describes gets a section with a table of its keys; `scripts/gen-schema.ts`
 * writes the page, and a unit test fails while the committed one is out of date or a key
 * has no description.
 */
import { renderJsonSchema } from './schema.js'

interface SchemaNode {
  type?: string | string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  anyOf?: SchemaNode[]
  items?: SchemaNode
  properties?: Record<string, SchemaNode>
  required?: string[]
  additionalProperties?: SchemaNode | boolean
  $ref?: string
  $defs?: Record<string, SchemaNode>
}

/** A section of the page: a heading and the object whose keys it lists. */
interface Section {
  title: string
  anchor: string
  node: SchemaNode
}

const INTRO = `# Configuration reference

berth reads \`berth.yml\` (or \`berth.config.ts\` / \`.js\` exporting \`defineConfig({...})\`) from
the current directory or a parent, or the file given with \`-c\`. Every key below can be set
on the top level; each environment under \`environments\` may set any of them again except
\`app\` and \`environments\`, and its value replaces the top level's (\`ssh\` and \`env\` merge
key by key). \`berth config ENV\` prints an environment as berth resolves it.

Unknown keys are refused with the file, the line and a suggestion
(\`berth.yml:14 hooks.restart[0]: unknown key "rn" (did you mean "run"?)\`). Editors complete
and check the file with the JSON Schema the package ships (\`schema/berth.schema.json\`).

This page is generated from that schema by \`npm run gen-schema\`: edit the descriptions in
\`src/config/schema.ts\`, not here.
`

/**
 * A short example of each section, as it would stand in a berth.yml (top-level keys, so a
 * unit test can check each one against the schema).
 */
export const SECTION_EXAMPLES: Readonly<Record<string, string>> = {
  'Top level': `app: shop
branch: main
deployTo: /srv/shop
keepReleases: 5
env:
  NODE_ENV: production
  DATABASE_URL: \${DATABASE_URL}
secrets: [DATABASE_URL]
environments:
  production:
    hosts: [web1, web2]`,
  '`build[]`': `build:
  - run: npm ci && npm run build
    include: [dist/]`,
  '`shared`': `shared:
  files: [.env, config/database.yml]
  dirs: [log, tmp/pids, public/uploads]`,
  '`ssh`': `ssh:
  config: ./deploy/ssh_config
  forwardAgent: false
  strictHostKeyChecking: accept-new
  connectTimeout: 20s`,
  'A host': `hosts:
  - web1.example.com
  - { host: web2.example.com, user: deploy, port: 2222, roles: [web, app] }
  - { host: db1.example.com, user: deploy, roles: [db], primary: true }`,
  '`inventory`': `inventory: ./hosts.ini
# or: inventory: { command: ./bin/inventory --list }`,
  '`hooks`': `hooks:
  build: [npm ci --omit=dev]
  before_migrate:
    - run: ./bin/backup-db
      roles: [db]
      once: true
  restart:
    - run: sudo systemctl reload shop`,
  'A reuse entry': `reuse:
  - node_modules
  - { path: vendor/bundle, key: [Gemfile.lock], runtime: ruby --version }
hooks:
  build:
    - run: npm ci --omit=dev
      installs: [node_modules]
    - run: bundle install
      installs: [vendor/bundle]`,
  'A webhook': `notify:
  - webhook: \${SLACK_WEBHOOK_URL}
    format: slack
    on: [success, failure, rollback]
secrets: [SLACK_WEBHOOK_URL]`,
  'A template': `templates:
  - { src: config/database.yml.tmpl, dest: config/database.yml }`,
  '`maintenance`': `maintenance:
  path: public/maintenance.html
  template: deploy/maintenance.html`,
  '`tag`': `tag: { name: "{yyyy}{mm}.{n}", push: origin }`,
  '`rollout`': `rollout: { batch: 2, pause: 10s }`,
  '`onFailure`': `onFailure: { maxFailed: "25%" }`,
  'An environment': `environments:
  staging:
    branch: develop
    hosts: [staging.example.com]
  production:
    hosts: [web1, web2]
    rollout: { batch: 1 }`,
  'A hook entry': `hooks:
  migrate:
    - run: bin/rails db:migrate
      roles: [db]
      once: true
      env: { RAILS_ENV: production }
      timeout: 10m
  verify:
    - http: http://127.0.0.1:3000/health
      timeout: 30s`,
}

export function renderConfigReference(): string {
  const root = JSON.parse(renderJsonSchema()) as SchemaNode
  const defs = root.$defs ?? {}
  const sections: Section[] = []
  // One section per shape: an environment's `ssh` links to the same section as the top level's.
  const anchors = new Map<string, string>()
  const queue = (title: string, node: SchemaNode): string => {
    const shape = JSON.stringify(node.properties)
    const known = anchors.get(shape)
    if (known !== undefined) return known
    const anchor = anchorOf(title)
    anchors.set(shape, anchor)
    sections.push({ title, anchor, node })
    return anchor
  }
  const linkTo = (node: SchemaNode, path: string): string | null => {
    if (node.$ref !== undefined) {
      const name = node.$ref.replace('#/$defs/', '')
      const target = defs[name]
      if (target === undefined) return null
      const object = objectIn(target)
      return object === null ? null : queue(titleOfDef(name), object)
    }
    const object = objectIn(node)
    return object === null ? null : queue(`\`${path}\``, object)
  }
  queue('Top level', root)
  const out = [INTRO]
  // Sections are rendered in the order they are first linked to, which follows the page.
  for (let index = 0; index < sections.length; index++) {
    const section = sections[index]!
    out.push(renderSection(section, defs, linkTo))
  }
  out.push(renderDefinition('Duration', defs.Duration), renderDefinition('Env', defs.Env))
  return `${out.join('\n').trimEnd()}\n`
}

function renderSection(section: Section, defs: Record<string, SchemaNode>, linkTo: (node: SchemaNode, path: string) => string | null): string {
  const lines = [`## ${section.title}`, '']
  if (section.node.description !== undefined && section.title !== 'Top level') lines.push(section.node.description, '')
  lines.push('| key | type | default | what it does |', '| --- | --- | --- | --- |')
  const example = SECTION_EXAMPLES[section.title]
  const required = new Set(section.node.required ?? [])
  for (const [key, property] of Object.entries(section.node.properties ?? {})) {
    const path = section.title === 'Top level' ? key : `${section.title.replace(/`/g, '')}.${key}`
    const target = linkTo(property, path) ?? linkInside(property, path, linkTo)
    const type = typeOf(property, defs)
    const typeCell = target === null ? (type === 'duration' || type === 'env' ? `[${type}](#${type})` : type) : `[${type}](#${target})`
    const defaultCell = required.has(key) ? 'required' : property.default === undefined ? '' : `\`${JSON.stringify(property.default)}\``
    const description = property.description ?? defs[property.$ref?.replace('#/$defs/', '') ?? '']?.description ?? ''
    lines.push(`| \`${key}\` | ${cell(typeCell)} | ${cell(defaultCell)} | ${cell(description)} |`)
  }
  if (example !== undefined) lines.push('', '```yaml', example, '```')
  return `${lines.join('\n')}\n`
}

/** Objects nested in lists, unions or maps (`hosts[]`, `build[]`, `environments.<name>`) get their own section too. */
function linkInside(node: SchemaNode, path: string, linkTo: (node: SchemaNode, path: string) => string | null): string | null {
  if (node.items !== undefined) return linkTo(node.items, `${path}[]`) ?? linkInside(node.items, `${path}[]`, linkTo)
  if (typeof node.additionalProperties === 'object') return linkTo(node.additionalProperties, `${path}.<name>`)
  for (const option of node.anyOf ?? []) {
    const target = linkTo(option, path) ?? linkInside(option, path, linkTo)
    if (target !== null) return target
  }
  return null
}

function renderDefinition(name: string, node: SchemaNode | undefined): string {
  if (node === undefined) return ''
  return `## ${name}\n\n${node.description ?? ''}\n`
}

/** The object schema a node is, or holds as one of its alternatives. */
function objectIn(node: SchemaNode): SchemaNode | null {
  if (node.properties !== undefined) return node
  for (const option of node.anyOf ?? []) if (option.properties !== undefined) return { ...option, description: option.description ?? node.description }
  return null
}

function typeOf(node: SchemaNode, defs: Record<string, SchemaNode>): string {
  if (node.$ref !== undefined) {
    const name = node.$ref.replace('#/$defs/', '')
    return name === 'Duration' || name === 'Env' ? name.toLowerCase() : typeOf(defs[name] ?? {}, defs)
  }
  if (node.enum !== undefined) return node.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' or ')
  if (node.anyOf !== undefined) return [...new Set(node.anyOf.map((option) => typeOf(option, defs)))].join(' or ')
  if (node.type === 'array') return `list of ${typeOf(node.items ?? {}, defs)}`
  if (node.type === 'object') return node.properties === undefined ? 'map' : 'object'
  if (node.type === 'integer') return 'whole number'
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any')
}

function titleOfDef(name: string): string {
  const titles: Record<string, string> = { Host: 'A host', HookEntry: 'A hook entry', Hooks: '`hooks`', Environment: 'An environment', ReuseEntry: 'A reuse entry', Notify: 'A webhook', Template: 'A template', Tag: '`tag`' }
  return titles[name] ?? name
}

function anchorOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/ /g, '-')
}

/** A table cell: pipes escaped, no line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** Keys of the schema that have no description, as paths (`hooks.before_lock`, `hosts[].user`). */
export function undescribedKeys(): string[] {
  const root = JSON.parse(renderJsonSchema()) as SchemaNode
  const missing: string[] = []
  const walk = (node: SchemaNode | undefined, path: string): void => {
    if (node === undefined) return
    for (const [key, property] of Object.entries(node.properties ?? {})) {
      // A reference is described by its definition, checked below.
      if (property.description === undefined && property.$ref === undefined) missing.push(`${path}${key}`)
      walk(property, `${path}${key}.`)
    }
    for (const option of node.anyOf ?? []) walk(option, path)
    walk(node.items, path.replace(/\.$/, '[].'))
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, path)
  }
  walk(root, '')
  for (const [name, def] of Object.entries(root.$defs ?? {})) {
    if (def.description === undefined) missing.push(`$defs.${name}`)
    walk(def, `${name}.`)
  }
  return missing
}
