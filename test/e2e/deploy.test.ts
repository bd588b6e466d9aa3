/**
 * Whole deploys through the built CLI on the local transport: what lands on disk, what the
 * records say, and what `--plan` and `--json` print.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, nextSecond, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('deploy', () => {
  it('deploys the tree, writes REVISION with the full sha and records the release active', async () => {
    project = createProject(localConfig(), { 'public/app.js': 'console.log(1)\n', 'bin/run': { content: '#!/bin/sh\necho run\n', mode: 0o755 } })
    const sha = project.git('rev-parse', 'HEAD')
    const result = await project.berth(['deploy', 'production'])
    expect(result.code, result.stderr).toBe(0)
    const release = project.live()!
    // Named on the test clock: its first call starts at 2030-01-01T12:01:00 (and then runs).
    expect(release).toMatch(new RegExp(`^20300101T1201\\d\\d-${sha.slice(0, 7)}$`))
    expect(project.releases()).toEqual([release])
    expect(project.read('current/REVISION')).toBe(`${sha}\n`)
    expect(project.read('current/index.html')).toBe('<h1>v1</h1>\n')
    expect(project.read('current/public/app.js')).toBe('console.log(1)\n')
    expect(readFileSync(join(project.target, 'current/bin/run'), 'utf8')).toContain('echo run')
    // Berth's bookkeeping stays out of the release tree.
    expect(project.exists(`releases/${release}/.berth`)).toBe(false)
    expect(project.record(release)).toMatchObject({ state: 'active', revision: sha })
    expect(project.history()).toEqual([expect.objectContaining({ kind: 'deploy', result: 'success', sha, release })])
    expect(project.exists('.berth/lock')).toBe(false)
    expect(result.stdout).toContain(`deploy of ${release} succeeded`)
  })

  it('redeploys a new commit: current moves, the old release becomes ready', async () => {
    project = createProject(localConfig())
    expect((await project.berth(['deploy', 'production'])).code).toBe(0)
    const first = project.live()!
    const sha = project.commit({ 'index.html': '<h1>v2</h1>\n' })
    const result = await project.berth(['deploy', 'production'])
    expect(result.code, result.stderr).toBe(0)
    const second = project.live()!
    expect(second).not.toBe(first)
    expect(second.endsWith(sha.slice(0, 7))).toBe(true)
    expect(project.read('current/index.html')).toBe('<h1>v2</h1>\n')
    expect(project.read('current/REVISION').trim()).toBe(sha)
    expect(project.read(`releases/${first}/index.html`)).toBe('<h1>v1</h1>\n')
    expect(project.record(first).state).toBe('ready')
    expect(project.record(second).state).toBe('active')
  })

  it('works on the real clock too: two deploys a second apart get two releases', async () => {
    project = createProject(localConfig())
    expect((await project.berth(['deploy', 'production'], { realClock: true })).code).toBe(0)
    await nextSecond()
    expect((await project.berth(['deploy', 'production'], { realClock: true })).code).toBe(0)
    expect(project.releases()).toHaveLength(2)
    expect(project.current()).toBe(`releases/${project.releases()[1]}`)
  })

  it('deploys again within the same second without touching the live release', async () => {
    project = createProject(localConfig())
    const at = String(project.tick())
    expect((await project.berth(['deploy', 'production'], { env: { BERTH_TEST_CLOCK: at } })).code).toBe(0)
    const first = project.live()!
    const result = await project.berth(['deploy', 'production'], { env: { BERTH_TEST_CLOCK: at } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const second = project.live()!
    expect(second).not.toBe(first)
    expect(second > first).toBe(true)
    expect(project.record(first).state).toBe('ready')
    expect(project.record(second).state).toBe('active')
  })

  it('refuses a real directory at current and leaves it alone', async () => {
    project = createProject(localConfig())
    mkdirSync(join(project.target, 'current'), { recursive: true })
    writeFileSync(join(project.target, 'current', 'keep.txt'), 'precious')
    const result = await project.berth(['deploy', 'production'])
    expect(result.code).toBe(1)
    expect(result.stdout + result.stderr).toMatch(/current is a real directory/)
    expect(result.stdout + result.stderr).toContain('move')
    expect(readFileSync(join(project.target, 'current', 'keep.txt'), 'utf8')).toBe('precious')
    expect(project.current()).toBeNull()
    expect(project.releases()).toEqual([])
    expect(project.exists('.berth/lock')).toBe(false)
  })
})

describe('deploy --plan', () => {
  it('prints every step and hook per host and creates nothing, not even deployTo', async () => {
    project = createProject(localConfig(['hooks:', '  migrate:', '    - run: ./bin/migrate', '      once: true', '  restart: [touch tmp/restart.txt]'].join('\n')))
    const result = await project.berth(['deploy', 'production', '--plan'])
    expect(result.code, result.stderr).toBe(0)
    const sha = project.git('rev-parse', 'HEAD')
    expect(result.stdout).toContain(sha.slice(0, 12))
    for (const step of ['lock', 'fetch', 'release', 'link', 'build', 'migrate', 'switch', 'restart', 'verify', 'cleanup', 'unlock']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${step}\\b`, 'm'))
    }
    expect(result.stdout).toContain('./bin/migrate')
    expect(result.stdout).toContain('touch tmp/restart.txt')
    expect(existsSync(project.target)).toBe(false)
    expect(existsSync(join(project.base, 'srv'))).toBe(false)
  })

  it('prints the plan as one JSON object under --json', async () => {
    project = createProject(localConfig())
    const result = await project.berth(['deploy', 'production', '--plan', '--json'])
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    const last = JSON.parse(lines.at(-1)!) as { kind: string; data: { steps: { step: string }[]; revision: string } }
    expect(last.kind).toBe('result')
    expect(last.data.revision).toBe(project.git('rev-parse', 'HEAD'))
    expect(last.data.steps.map((s) => s.step)).toContain('switch')
    expect(existsSync(project.target)).toBe(false)
  })
})

describe('deploy --json and secrets', () => {
  const config = localConfig(
    [
      'secrets: [TOKEN]',
      'env: { API_TOKEN: "${TOKEN}" }',
      'hooks:',
      '  build: [\'echo "token is $TOKEN"\', \'echo "api $API_TOKEN"\']',
      '  verify: [\'echo "$TOKEN" > "$BERTH_RELEASE_PATH/../../token-seen"\', \'echo "bad $TOKEN" >&2; exit 4\']',
      '  after_build:',
      '    - run: "true"',
      '      env: { ENTRY_TOKEN: "${TOKEN}" }',
    ].join('\n'),
  )

  it('emits one JSON object per line and never the secret value', async () => {
    project = createProject(config)
    const secret = 'hunter2-s3cr3t-value'
    const ok = await project.berth(['deploy', 'production', '--json'], { env: { TOKEN: secret } })
    // The verify hook fails on purpose: the failure path carries output and errors too.
    expect(ok.code).toBe(1)
    const lines = ok.stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThan(10)
    const events = lines.map((line) => JSON.parse(line) as { kind: string })
    expect(events[0]!.kind).toBe('run:start')
    expect(events.map((e) => e.kind)).toContain('run:summary')
    expect(events.filter((e) => e.kind === 'output').length).toBeGreaterThanOrEqual(3)
    // The hook did get the real value, through its environment.
    expect(readFileSync(join(project.target, 'token-seen'), 'utf8').trim()).toBe(secret)
    expect(ok.stdout + ok.stderr).not.toContain(secret)
    expect(ok.stdout).toContain('token is ')

    const plain = await project.berth(['deploy', 'production', '-v'], { env: { TOKEN: secret } })
    expect(plain.code).toBe(1)
    expect(plain.stdout).toContain('token is ')
    expect(plain.stdout + plain.stderr).not.toContain(secret)
    // A plan carries each hook's env: printed as text or JSON, the secret stays masked.
    for (const command of [['deploy', 'production', '--plan'], ['history', 'production'], ['status', 'production']]) {
      const out = await project.berth([...command, '--json'], { env: { TOKEN: secret } })
      expect(out.code).toBe(0)
      expect(out.stdout + out.stderr).not.toContain(secret)
      if (command[0] === 'deploy') expect(out.stdout).toContain('"ENTRY_TOKEN":"••••••"')
    }
    // Nor on the host's own records.
    const p = project
    const records = p.releases().map((id) => JSON.stringify(p.record(id)))
    expect(records.join('') + JSON.stringify(project.history())).not.toContain(secret)
  })
})
