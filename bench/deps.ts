/**
 * The dependency scenario (`npm run bench -- --deps`): the app of `deps-app.ts` deployed by
 * berth three ways to the same hosts, each into its own directory: without an install hook,
 * with `npm ci --omit=dev` in a build hook, and with that hook plus `reuse: [node_modules]`.
 * Per host count: a cold deploy each, then `runs` one-file redeploys (the lockfile
 * unchanged), then one redeploy with a changed lockfile. Every deploy is checked on the
 * hosts' disks: the new server file is live, node_modules is there, and the install ran
 * exactly when it had to (each install appends a line to `shared/installs.log`).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Fleet } from '../test/helpers/fleet.js'
import { ROOT } from './berth.js'
import { changeLockfile, changeServer, type DepsApp } from './deps-app.js'
import { timed } from './exec.js'
import { median } from './stats.js'
import { wipeHosts } from './tool.js'

const INSTALL = 'npm ci --omit=dev --offline --no-audit --no-fund && echo installed >> "$BERTH_DEPLOY_TO/shared/installs.log"'

interface Variant {
  name: string
  deployTo: string
  config: string[]
  installs: boolean
}

const VARIANTS: Variant[] = [
  { name: 'no install hook', deployTo: '/srv/deps-plain', config: [], installs: false },
  { name: 'npm ci in a build hook', deployTo: '/srv/deps-install', config: ['hooks:', '  build:', `    - run: ${INSTALL}`], installs: true },
  {
    name: 'npm ci + reuse: [node_modules]',
    deployTo: '/srv/deps-reuse',
    config: ['reuse: [node_modules]', 'hooks:', '  build:', `    - run: ${INSTALL}`, '      installs: [node_modules]'],
    installs: true,
  },
]
const [PLAIN, , REUSE] = VARIANTS as [Variant, Variant, Variant]

type DepsScenario = 'cold' | 'one-file' | 'lockfile changed'

export interface DepsSample {
  hosts: number
  variant: string
  scenario: DepsScenario
  ms?: number
  error?: string
}

export interface DepsBenchInput {
  fleet: Fleet
  app: DepsApp
  hostCounts: number[]
  runs: number
  work: string
  log: (line: string) => void
}

export async function runDepsBench(input: DepsBenchInput): Promise<DepsSample[]> {
  const { fleet, app, log } = input
  const samples: DepsSample[] = []
  let change = 0
  for (const hosts of input.hostCounts) {
    const names = fleet.hosts.slice(0, hosts).map((h) => h.name)
    const deploy = async (variant: Variant, scenario: DepsScenario, expectInstall: boolean): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5))
      const before = variant.installs ? names.map((name) => installs(fleet, name, variant)) : []
      const result = await timed(process.execPath, [join(ROOT, 'bin', 'berth.js'), 'deploy', 'bench', '-c', configFile(input.work, variant), '-q'], { cwd: input.work })
      const problem = result.ok ? check(fleet, names, app, variant, before, expectInstall) : (result.error ?? 'failed')
      samples.push({ hosts, variant: variant.name, scenario, ...(problem === undefined ? { ms: result.ms } : { error: problem }) })
      log(`  ${scenario.padEnd(16)} ${variant.name.padEnd(32)} ${problem === undefined ? `${(result.ms / 1000).toFixed(2)} s` : `failed: ${problem}`}`)
    }
    log(`— ${hosts} host${hosts === 1 ? '' : 's'}: ${app.packages} packages`)
    for (const variant of VARIANTS) {
      writeConfig(input.work, variant, fleet, app, names)
      await wipeHosts(fleet, variant.deployTo)
      await deploy(variant, 'cold', variant.installs)
    }
    for (let run = 1; run <= input.runs; run++) {
      await changeServer(app, ++change)
      for (const variant of VARIANTS) await deploy(variant, 'one-file', variant.installs && variant !== REUSE)
    }
    await changeLockfile(app, ++change)
    for (const variant of VARIANTS) await deploy(variant, 'lockfile changed', variant.installs)
    for (const variant of VARIANTS) await wipeHosts(fleet, variant.deployTo)
  }
  return samples
}

const configFile = (work: string, variant: Variant): string => join(work, `${variant.deployTo.split('/').pop()}.yml`)

function writeConfig(work: string, variant: Variant, fleet: Fleet, app: DepsApp, names: string[]): void {
  mkdirSync(work, { recursive: true })
  const lines = [
    'app: deps',
    `repo: ${app.dir}`,
    'branch: main',
    `deployTo: ${variant.deployTo}`,
    'keepReleases: 5',
    `ssh: { config: ${fleet.sshConfigFile} }`,
    'environments:',
    '  bench:',
    '    hosts:',
    ...names.map((name) => `      - { host: ${name} }`),
    ...variant.config,
    '',
  ]
  writeFileSync(configFile(work, variant), lines.join('\n'))
}

const onHost = (fleet: Fleet, name: string, variant: Variant, path: string): string => join(fleet.hostDir(name), variant.deployTo.replace(/^\/srv\/?/, ''), path)

function installs(fleet: Fleet, name: string, variant: Variant): number {
  try {
    return readFileSync(onHost(fleet, name, variant, 'shared/installs.log'), 'utf8').split('\n').filter(Boolean).length
  } catch {
    return 0
  }
}

/** What is wrong on the hosts after a deploy that said it succeeded, if anything. */
function check(fleet: Fleet, names: string[], app: DepsApp, variant: Variant, before: number[], expectInstall: boolean): string | undefined {
  const server = readFileSync(join(app.dir, app.changedFile), 'utf8')
  for (const [i, name] of names.entries()) {
    try {
      if (readFileSync(onHost(fleet, name, variant, `current/${app.changedFile}`), 'utf8') !== server) return `${name} does not serve the new ${app.changedFile}`
      if (variant.installs) readFileSync(onHost(fleet, name, variant, `current/${app.installedFile}`))
    } catch {
      return `${name}: current/${variant.installs ? app.installedFile : app.changedFile} is missing`
    }
    if (variant.installs && installs(fleet, name, variant) !== before[i]! + (expectInstall ? 1 : 0)) return `${name}: npm ci ${expectInstall ? 'did not run' : 'ran'}`
  }
  return undefined
}

/** The scenario's table and its target, as markdown. */
export function renderDepsReport(samples: DepsSample[], app: DepsApp, facts: { mode: string; disks: string; startedAt: string }): string {
  const hostCounts = [...new Set(samples.map((s) => s.hosts))]
  const cell = (hosts: number, variant: string, scenario: DepsScenario): string => {
    const mine = samples.filter((s) => s.hosts === hosts && s.variant === variant && s.scenario === scenario)
    const ok = mine.flatMap((s) => (s.ms === undefined ? [] : [s.ms]))
    if (ok.length === 0) return mine.length === 0 ? '—' : `failed: ${mine[0]!.error}`
    return `${(median(ok.sort((a, b) => a - b)) / 1000).toFixed(2)} s${ok.length < mine.length ? ` (${mine.length - ok.length} failed)` : ''}`
  }
  const lines = [
    '# Dependency reuse benchmark',
    '',
    `Run ${facts.startedAt} with \`npm run bench -- --deps ${facts.mode}\`; hosts' directories on ${facts.disks}.`,
    `The app: a small Express-like server with ${app.packages} real npm packages (${(app.tarballBytes / 1024 / 1024).toFixed(1)} MB of tarballs vendored as \`file:\` dependencies), installed on each host by \`npm ci --omit=dev --offline\`. Medians; one-file redeploys change \`${app.changedFile}\` only.`,
    '',
    '| hosts | scenario | no install hook | npm ci in a build hook | npm ci + reuse: [node_modules] |',
    '|---|---|---|---|---|',
  ]
  for (const hosts of hostCounts) {
    for (const scenario of ['cold', 'one-file', 'lockfile changed'] as const) {
      lines.push(`| ${hosts} | ${scenario} | ${VARIANTS.map((v) => cell(hosts, v.name, scenario)).join(' | ')} |`)
    }
  }
  lines.push('', '## Target', '')
  for (const hosts of hostCounts) {
    const med = (variant: Variant): number | undefined => {
      const ok = samples.flatMap((s) => (s.hosts === hosts && s.variant === variant.name && s.scenario === 'one-file' && s.ms !== undefined ? [s.ms] : []))
      return ok.length === 0 ? undefined : median(ok.sort((a, b) => a - b))
    }
    const reuse = med(REUSE)
    const plain = med(PLAIN)
    lines.push(
      reuse === undefined || plain === undefined
        ? `- ${hosts} hosts: one-file redeploy with reuse ≤ 1.5× without install hooks: not judged (a variant failed)`
        : `- ${hosts} hosts: one-file redeploy with reuse ≤ 1.5× without install hooks: ${reuse <= 1.5 * plain ? 'met' : 'NOT met'} (${(reuse / 1000).toFixed(2)} s vs ${(plain / 1000).toFixed(2)} s: ${(reuse / plain).toFixed(2)}×)`,
    )
  }
  return `${lines.join('\n')}\n`
}
