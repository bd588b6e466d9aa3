/**
 * `berth ui` over plain HTTP, on a project deployed to this machine: every request needs
 * the token printed at start, the server answers on 127.0.0.1 only, a deploy started
 * through its API goes live with its events streamed (secrets masked), one at a time,
 * and Ctrl-C stops it. The page in a browser: test/ssh/ui.test.ts.
 */
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startUi, type RunningUi } from '../helpers/cockpit.js'
import { createProject, localConfig, type Project } from '../helpers/project.js'
import { waitFor } from '../helpers/wait.js'
import { startWebhookServer, type WebhookServer } from '../helpers/webhook-server.js'

const SECRET = 's3cret-value-for-the-page'
let project: Project | undefined
let ui: RunningUi | undefined
let webhooks: WebhookServer | undefined
afterEach(async () => {
  await ui?.stop()
  ui = undefined
  project?.cleanup()
  await webhooks?.close()
  webhooks = undefined
})

async function deployedProject(): Promise<Project> {
  const p = (project = createProject(localConfig(['secrets: [APP_TOKEN]', 'hooks:', '  restart:', '    - run: echo "restarting with $APP_TOKEN"'].join('\n'))))
  const result = await p.berth(['deploy', 'production', '-q'], { env: { APP_TOKEN: SECRET } })
  expect(result.code, result.stderr).toBe(0)
  return p
}

/** Reads the event stream until the run's `end`; returns its text. */
async function readUntilEnd(response: Response): Promise<string> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (!/event: end\ndata: .*\n/.test(text)) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  await reader.cancel()
  return text
}

describe('berth ui', () => {
  it('refuses every request without the token, with 403 and no data', async () => {
    const p = await deployedProject()
    const live = p.live()!
    ui = await startUi(p, [], { APP_TOKEN: SECRET })
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/)
    for (const path of ['/', '/app.js', '/api/fleet', '/api/events', '/api/fleet?token=', `/api/fleet?token=${ui.token.slice(0, -1)}`, `/?token=${ui.token}x`]) {
      const response = await fetch(`${ui.origin}${path}`)
      expect(response.status, path).toBe(403)
      expect(await response.text()).not.toContain(live)
    }
    const refused = await fetch(`${ui.origin}/api/rollback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirm: 'production' }) })
    expect(refused.status).toBe(403)
    // The same requests with the token are answered.
    const fleet = await fetch(`${ui.origin}/api/fleet`, { headers: { 'x-berth-token': ui.token } })
    expect(fleet.status).toBe(200)
    expect(await fleet.json()).toMatchObject({ environment: 'production', hosts: [{ name: 'localhost', current: live }] })
    expect((await fetch(ui.url)).status).toBe(200)
    expect(p.live()).toBe(live)
  })

  it('listens on 127.0.0.1 only', async () => {
    ui = await startUi(await deployedProject(), [], { APP_TOKEN: SECRET })
    const port = new URL(ui.origin).port
    await expect(fetch(`http://127.0.0.2:${port}/?token=${ui.token}`)).rejects.toThrow()
  })

  it('deploys when asked with the environment\'s name, one run at a time, streaming the events with secrets masked', async () => {
    const p = await deployedProject()
    const before = p.live()
    p.commit({ 'index.html': '<h1>v2</h1>\n' })
    ui = await startUi(p, [], { APP_TOKEN: SECRET })
    const post = (path: string, confirm: string) =>
      fetch(`${ui!.origin}${path}`, { method: 'POST', headers: { 'x-berth-token': ui!.token, 'content-type': 'application/json' }, body: JSON.stringify({ confirm }) })
    expect((await post('/api/deploy', 'staging')).status).toBe(400)
    expect((await post('/api/deploy', 'production')).status).toBe(202)
    expect((await post('/api/rollback', 'production')).status).toBe(409)
    const stream = await readUntilEnd(await fetch(`${ui.origin}/api/events?token=${ui.token}`))
    expect(stream).toMatch(/event: end\ndata: \{"id":1,"action":"deploy","ok":true\}/)
    expect(stream).toContain('restarting with ••••••')
    expect(stream).not.toContain(SECRET)
    const events = [...stream.matchAll(/event: berth\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]!) as { kind: string })
    expect(events[0]).toMatchObject({ kind: 'run:start', command: 'deploy', environment: 'production' })
    expect(events.at(-1)).toMatchObject({ kind: 'run:summary', ok: true })
    expect(p.live()).not.toBe(before)
    expect(p.read('current/index.html')).toBe('<h1>v2</h1>\n')
    expect(p.exists('.berth/lock')).toBe(false)
    // The terminal berth ui runs in shows the run too.
    expect(ui.output()).toContain('deploy of')
    expect(await ui.stop()).toBe(130)
    expect(ui.output()).not.toContain(SECRET)
  })

  it('tells the webhooks of a rollback from the page, as of one from the command line', async () => {
    const hooks = (webhooks = await startWebhookServer())
    const env = { APP_TOKEN: SECRET, HOOK_URL: hooks.url('/hook') }
    const p = (project = createProject(localConfig(['secrets: [APP_TOKEN, HOOK_URL]', 'notify:', '  - { webhook: "${HOOK_URL}", on: [success, rollback] }'].join('\n'))))
    expect((await p.berth(['deploy', 'production', '-q'], { env })).code).toBe(0)
    const first = p.live()
    p.commit({ 'index.html': '<h1>v2</h1>\n' })
    expect((await p.berth(['deploy', 'production', '-q'], { env })).code).toBe(0)
    await waitFor(() => hooks.received.length === 2)
    ui = await startUi(p, [], env)
    const rolledBack = await fetch(`${ui.origin}/api/rollback`, { method: 'POST', headers: { 'x-berth-token': ui.token, 'content-type': 'application/json' }, body: JSON.stringify({ confirm: 'production' }) })
    expect(rolledBack.status).toBe(202)
    expect(await readUntilEnd(await fetch(`${ui.origin}/api/events?token=${ui.token}`))).toMatch(/"action":"rollback","ok":true/)
    expect(p.live()).toBe(first)
    await waitFor(() => hooks.received.length === 3)
    expect(hooks.received.map((r) => r.body.event)).toEqual(['success', 'success', 'rollback'])
    expect(hooks.received[2]!.body).toMatchObject({ environment: 'production', command: 'rollback' })
  })

  it('refuses a bad --port, or one in use, with exit 2', async () => {
    const p = await deployedProject()
    const bad = await p.berth(['ui', 'production', '--port', '70000'], { env: { APP_TOKEN: SECRET } })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--port "70000" is not a port number')
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const port = (taken.address() as { port: number }).port
      const busy = await p.berth(['ui', 'production', '--port', String(port)], { env: { APP_TOKEN: SECRET } })
      expect(busy.code).toBe(2)
      expect(busy.stderr).toContain(`port ${port} on 127.0.0.1 is in use`)
    } finally {
      taken.close()
    }
  })
})
