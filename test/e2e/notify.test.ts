/**
 * Webhook notifications against a real HTTP server on 127.0.0.1: what each event sends,
 * that every JSON body validates against the published schema, that secrets never reach a
 * body, and that a webhook which fails or hangs never fails or holds up a deploy.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'
import { closedPort, startWebhookServer, type Received, type WebhookServer } from '../helpers/webhook-server.js'

const schema = JSON.parse(readFileSync(new URL('../../schema/notification.schema.json', import.meta.url), 'utf8')) as object
const validate = new Ajv2020({ allErrors: true, validateFormats: false }).compile(schema)

/** Long enough for the redactor, and distinctive enough to find anywhere. */
const SECRET = 'sk-live-9f3b2c7d1e'
const TOKEN_PATH = '/services/T0001/B0002/XyZsecretPath'

let project: Project | undefined
const servers: WebhookServer[] = []
afterEach(async () => {
  project?.cleanup()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function server(options: Parameters<typeof startWebhookServer>[0] = {}): Promise<WebhookServer> {
  const started = await startWebhookServer(options)
  servers.push(started)
  return started
}

function expectValid(received: Received[]): void {
  for (const { body } of received) {
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true)
    expect(Number.isNaN(Date.parse(String(body.at)))).toBe(false)
  }
}

function notifyConfig(hooks = ''): string {
  return localConfig(['secrets: [API_TOKEN, HOOK_URL]', 'notify:', '  - webhook: ${HOOK_URL}', hooks].join('\n'))
}

describe('notifications', () => {
  it('POSTs start and success for a deploy, rollback for a rollback, each body valid against the schema', async () => {
    const hook = await server()
    const slack = await server()
    const config = localConfig(
      [
        'secrets: [API_TOKEN, HOOK_URL]',
        'env: { TOKEN_COPY: "${API_TOKEN}" }',
        'notify:',
        '  - webhook: ${HOOK_URL}',
        `  - { webhook: "${slack.url('/slack')}", format: slack, on: [success, rollback] }`,
      ].join('\n'),
    )
    const p = (project = createProject(config))
    const env = { API_TOKEN: SECRET, HOOK_URL: hook.url(TOKEN_PATH) }
    const first = await p.berth(['deploy', 'production'], { env })
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const firstRelease = p.live()!
    const sha = p.commit({ 'index.html': '<h1>v2</h1>\n' })
    const second = await p.berth(['deploy', 'production'], { env })
    expect(second.code, second.stdout + second.stderr).toBe(0)
    const back = await p.berth(['rollback', 'production'], { env })
    expect(back.code, back.stdout + back.stderr).toBe(0)

    expect(hook.received.map((r) => r.body.event)).toEqual(['start', 'success', 'start', 'success', 'rollback'])
    expectValid(hook.received)
    expect(hook.received.every((r) => r.path === TOKEN_PATH && r.contentType === 'application/json')).toBe(true)
    const [start, success] = hook.received.slice(2)
    expect(start!.body).toMatchObject({ version: 1, app: 'shop', environment: 'production', command: 'deploy', revision: sha, ref: 'HEAD', hosts: ['localhost'] })
    expect(success!.body).toMatchObject({ event: 'success', ok: true, run: start!.body.run, release: p.releases().at(-1), outcomes: [{ host: 'localhost', switched: true }] })
    expect(hook.received[4]!.body).toMatchObject({ event: 'rollback', command: 'rollback', ok: true, release: firstRelease, outcomes: [{ host: 'localhost', live: firstRelease }] })
    expect(String(success!.body.text)).toMatch(/^shop production: deployed \S+ \(\w{7}\) to 1 host in /)

    expect(slack.received.map((r) => r.body.text)).toEqual([expect.stringContaining('deployed'), expect.stringContaining('deployed'), expect.stringContaining('rolled back')])
    expect(slack.received[0]!.body.blocks).toEqual([expect.objectContaining({ type: 'section' }), expect.objectContaining({ type: 'context' })])
    // The webhook's path holds its token: it is never printed.
    for (const out of [first, second, back]) expect(out.stdout + out.stderr).not.toContain('XyZsecretPath')
  })

  it('POSTs failure with each host\'s step and error, the secret a hook printed masked in every body', async () => {
    const hook = await server()
    const p = (project = createProject(notifyConfig(['hooks:', '  verify:', '    - run: \'echo "token $API_TOKEN rejected" >&2; exit 1\''].join('\n'))))
    const result = await p.berth(['deploy', 'production'], { env: { API_TOKEN: SECRET, HOOK_URL: hook.url() } })
    expect(result.code, result.stdout + result.stderr).toBe(1)
    expect(hook.received.map((r) => r.body.event)).toEqual(['start', 'failure'])
    expectValid(hook.received)
    const failure = hook.received[1]!.body
    expect(failure).toMatchObject({ ok: false, outcomes: [{ host: 'localhost', failedStep: 'verify' }], attention: { level: expect.any(String), summary: expect.any(String) } })
    expect(failure.outcomes).toEqual([expect.objectContaining({ output: ['token •••••• rejected'] })])
    for (const { raw } of hook.received) expect(raw).not.toContain(SECRET)
    // And it really was printed, so the mask is what kept it out.
    expect(result.stdout + result.stderr).toContain('token •••••• rejected')
  })

  it('POSTs lock-broken for a dead holder\'s lock, and failure (with why) for a deploy stopped by a held lock', async () => {
    const hook = await server()
    const p = (project = createProject(notifyConfig()))
    const env = { API_TOKEN: SECRET, HOOK_URL: hook.url() }
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout)
    writeLock(p, { user: 'ghost', machine: hostname(), pid: dead })
    const broke = await p.berth(['deploy', 'production'], { env })
    expect(broke.code, broke.stdout + broke.stderr).toBe(0)
    expect(hook.received.map((r) => r.body.event)).toEqual(['start', 'lock-broken', 'success'])
    expect(hook.received[1]!.body).toMatchObject({ lock: { host: 'localhost', holder: `ghost@${hostname()}` }, hosts: ['localhost'] })

    writeLock(p, { user: 'alice', machine: 'elsewhere', machineId: 'another-machine', pid: 1 })
    const held = await p.berth(['deploy', 'production'], { env })
    expect(held.code, held.stdout + held.stderr).toBe(3)
    expect(hook.received.slice(3).map((r) => r.body.event)).toEqual(['start', 'failure'])
    expect(hook.received[4]!.body).toMatchObject({ ok: false, error: expect.stringContaining('alice') })
    expectValid(hook.received)
  })

  it('a webhook answering 500, or refusing connections, is a warning: the deploy succeeds (exit 0)', async () => {
    const failing = await server({ status: 500 })
    const down = await closedPort()
    const config = localConfig(['notify:', `  - webhook: "${failing.url(TOKEN_PATH)}"`, `  - webhook: "http://127.0.0.1:${down}${TOKEN_PATH}"`].join('\n'))
    const p = (project = createProject(config))
    const result = await p.berth(['deploy', 'production'])
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(0)
    expect(p.live()).not.toBeNull()
    expect(failing.received.map((r) => r.body.event)).toEqual(['start', 'success'])
    expect(out).toContain(`webhook ${failing.url('/…')} (notify[0]) was not told about "success": HTTP 500`)
    expect(out).toContain(`webhook http://127.0.0.1:${down}/… (notify[1]) was not told about "start": connection refused`)
    expect(out).not.toContain('XyZsecretPath')
  })

  it('a webhook that does not answer is given up after 5 s, with a warning: the deploy succeeds (exit 0)', async () => {
    const silent = await server({ holdUntil: () => false })
    const p = (project = createProject(localConfig(['notify:', `  - { webhook: "${silent.url(TOKEN_PATH)}", on: [success] }`].join('\n'))))
    const started = Date.now()
    const result = await p.berth(['deploy', 'production'])
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(0)
    expect(out).toContain(`webhook ${silent.url('/…')} (notify[0]) was not told about "success": no answer within 5s`)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(silent.received.map((r) => r.body.event)).toEqual(['success'])
  })

  it('never holds the deploy up: the switch happens while the start POST is still waiting for its answer', async () => {
    let p: Project | undefined
    // Answers the start POST only once the deploy has switched and its after_switch hook ran.
    const hook = await server({ holdUntil: () => p !== undefined && existsSync(join(p.base, 'switched')) })
    p = project = createProject(notifyConfig(['hooks:', '  after_switch:', '    - run: touch __BASE__/switched'].join('\n')))
    const result = await p.berth(['deploy', 'production'], { env: { API_TOKEN: SECRET, HOOK_URL: hook.url() } })
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout + result.stderr).not.toContain('was not told')
    expect(hook.received.map((r) => r.body.event)).toEqual(['start', 'success'])
  })
})

function writeLock(p: Project, holder: Record<string, unknown>): void {
  const dir = join(p.target, '.berth', 'lock')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'info.json'), `${JSON.stringify({ since: '2030-01-01T00:00:00.000Z', command: 'deploy', token: 'their-token', ...holder })}\n`)
  writeFileSync(join(dir, 'token'), 'their-token\n')
  writeFileSync(join(dir, 'heartbeat'), `${Math.floor(Date.now() / 1000)}\n`)
}
