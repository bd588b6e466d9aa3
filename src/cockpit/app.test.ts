/**
 * The routes of `berth ui` without a browser or hosts: the token on every request, the
 * typed confirmation, one run at a time, the event stream carrying `--json` lines, and
 * secrets masked in everything the page receives.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { BerthEvent, Reporter } from '../events.js'
import { RemoteCommandError } from '../errors.js'
import { formatJsonLine } from '../ui/json.js'
import { createRedactor } from '../ui/redact.js'
import { createCockpitApp, type CockpitCore } from './app.js'
import { createRunTracker } from './runs.js'

const TOKEN = 'tok3n-for-tests-0123456789'
const SECRET = 'hunter2-secret-value'
const CLOCK = new Date('2030-01-01T12:00:00.000Z')
const redact = createRedactor([SECRET])

interface Harness {
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>
  calls: string[]
  /** Ends the run the fake core is in: emits `events`, then resolves with `ok` (or rejects with `error`). */
  finish(result: { events?: BerthEvent[]; ok?: boolean; error?: Error }): void
  close(): void
  /** Makes the next fleet reads fail with `error`. */
  failRead(error: Error): void
}

let harness: Harness | undefined
afterEach(() => harness?.close())

function setup(): Harness {
  const calls: string[] = []
  let pending: { report: Reporter; resolve: (ok: boolean) => void; reject: (e: Error) => void } | null = null
  const start = (name: string) => (report: Reporter) => {
    calls.push(name)
    return new Promise<boolean>((resolve, reject) => (pending = { report, resolve, reject }))
  }
  let readError: Error | null = null
  const core: CockpitCore = {
    app: 'shop',
    environment: 'production',
    readFleet: async () => {
      if (readError) throw readError
      return { app: 'shop', environment: 'production', hosts: [{ name: 'web1', ok: true, current: 'r2', lastDeploy: { ref: `main ${SECRET}` } }], disagree: false, history: [] }
    },
    deploy: start('deploy'),
    rollback: (to, report) => start(`rollback ${to ?? '(previous)'}`)(report),
  }
  const closing = new AbortController()
  const app = createCockpitApp({
    token: TOKEN,
    core,
    runs: createRunTracker({ redact, now: () => CLOCK }),
    redact,
    assets: { html: '<script src="app.js?token=__TOKEN__"></script>', script: 'console.log(1)', style: 'body{}' },
    closing: closing.signal,
  })
  return (harness = {
    calls,
    request: (path, init = {}) => {
      const { token = TOKEN, ...rest } = init
      const headers = new Headers(rest.headers)
      if (token !== null) headers.set('x-berth-token', token)
      return Promise.resolve(app.request(path, { ...rest, headers }))
    },
    finish: ({ events = [], ok = true, error }) => {
      const run = pending!
      pending = null
      for (const event of events) run.report(event)
      if (error) run.reject(error)
      else run.resolve(ok)
    },
    close: () => closing.abort(),
    failRead: (error) => (readError = error),
  })
}

const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })

/** Reads server-sent events until one named `until` arrives. */
async function readEvents(response: Response, until: string): Promise<{ event: string; data: string }[]> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    if (text.includes(`event: ${until}\n`) && text.endsWith('\n\n')) break
  }
  await reader.cancel()
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2) ?? ''
      return { event: field('event'), data: field('data') }
    })
}

describe('the token', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/app.js'],
    ['GET', '/api/fleet'],
    ['GET', '/api/events'],
    ['POST', '/api/deploy'],
    ['POST', '/api/rollback'],
  ])('%s %s without it, or with a wrong one, is refused with 403 and no data', async (method, path) => {
    const h = setup()
    for (const token of [null, '', 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const response = await h.request(path, { method, token, ...(method === 'POST' ? { body: JSON.stringify({ confirm: 'production' }) } : {}) })
      expect(response.status).toBe(403)
      const body = await response.text()
      expect(body).not.toMatch(/web1|shop|r2|console/)
    }
    expect(h.calls).toEqual([])
  })

  it('is taken from ?token= too (the page, its assets and the event stream are loaded by the browser)', async () => {
    const h = setup()
    const page = await h.request(`/?token=${TOKEN}`, { token: null })
    expect(page.status).toBe(200)
    // The asset URLs in the page carry the token.
    expect(await page.text()).toBe(`<script src="app.js?token=${TOKEN}"></script>`)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    const script = await h.request(`/app.js?token=${TOKEN}`, { token: null })
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await script.text()).toBe('console.log(1)')
  })
})

describe('reading the fleet', () => {
  it('answers the core\'s data with secrets masked and the latest run (none yet)', async () => {
    const response = await setup().request('/api/fleet')
    const text = await response.text()
    expect(text).not.toContain(SECRET)
    expect(JSON.parse(text)).toMatchObject({ environment: 'production', hosts: [{ name: 'web1', current: 'r2', lastDeploy: { ref: 'main ••••••' } }], run: null })
  })

  it('answers a failed read with its message, secrets masked', async () => {
    const h = setup()
    h.failRead(new Error(`cannot read ${SECRET}`))
    const response = await h.request('/api/fleet')
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: 'cannot read ••••••' })
  })
})

describe('starting a run', () => {
  it('needs the environment\'s name typed exactly', async () => {
    const h = setup()
    for (const body of [{}, { confirm: 'Production' }, { confirm: 'production ' }, { confirm: 'staging' }, 'production', null]) {
      const response = await h.request('/api/deploy', post(body))
      expect(response.status).toBe(400)
      expect(await response.json()).toEqual({ error: "type the environment's name, production, to confirm" })
    }
    const notJson = await h.request('/api/rollback', { method: 'POST', body: 'confirm=production' })
    expect(notJson.status).toBe(400)
    expect(h.calls).toEqual([])
  })

  it('allows one at a time, and streams its events as --json lines between start and end', async () => {
    const h = setup()
    const first = await h.request('/api/deploy', post({ confirm: 'production' }))
    expect(first.status).toBe(202)
    expect(await first.json()).toMatchObject({ run: { id: 1, action: 'deploy', done: null } })
    const second = await h.request('/api/rollback', post({ confirm: 'production' }))
    expect(second.status).toBe(409)
    expect(h.calls).toEqual(['deploy'])

    const events: BerthEvent[] = [
      { kind: 'run:start', command: 'deploy', environment: 'production', hosts: ['web1'] },
      { kind: 'output', host: 'web1', stream: 'stdout', line: `password is ${SECRET}` },
      { kind: 'release:switched', host: 'web1', from: 'r1', to: 'r2' },
    ]
    h.finish({ events, ok: true })
    const stream = await h.request('/api/events')
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const messages = await readEvents(stream, 'end')
    expect(messages.map((m) => m.event)).toEqual(['start', 'berth', 'berth', 'berth', 'end'])
    // The same lines as `--json`, secrets masked.
    expect(messages.filter((m) => m.event === 'berth').map((m) => `${m.data}\n`)).toEqual(events.map((e) => formatJsonLine(e, redact, CLOCK)))
    expect(messages.map((m) => m.data).join('\n')).not.toContain(SECRET)
    expect(JSON.parse(messages.at(-1)!.data)).toEqual({ id: 1, action: 'deploy', ok: true })

    const fleet = (await (await h.request('/api/fleet')).json()) as { run: unknown }
    expect(fleet.run).toMatchObject({ id: 1, action: 'deploy', done: { ok: true } })
    // Once it ended, the next may start.
    expect((await h.request('/api/rollback', post({ confirm: 'production' }))).status).toBe(202)
    expect(h.calls).toEqual(['deploy', 'rollback (previous)'])
  })

  it('sends events live to a page that is already following', async () => {
    const h = setup()
    const stream = await h.request('/api/events')
    const reading = readEvents(stream, 'end')
    await h.request('/api/rollback', post({ confirm: 'production', to: '20300101T120000-abcdef0' }))
    h.finish({ events: [{ kind: 'log', level: 'info', message: 'hello' }], ok: false })
    const messages = await reading
    expect(messages.map((m) => m.event)).toEqual(['start', 'berth', 'end'])
    expect(JSON.parse(messages.at(-1)!.data)).toMatchObject({ action: 'rollback', ok: false })
    expect(h.calls).toEqual(['rollback 20300101T120000-abcdef0'])
  })

  it('refuses a rollback target that is not a release name', async () => {
    const h = setup()
    for (const to of ['../../etc', '', 42, "x'; rm -rf /"]) {
      expect((await h.request('/api/rollback', post({ confirm: 'production', to }))).status).toBe(400)
    }
    expect(h.calls).toEqual([])
  })

  it('ends a run that threw with its error, as --json shows errors, secrets masked', async () => {
    const h = setup()
    await h.request('/api/deploy', post({ confirm: 'production' }))
    h.finish({ error: new RemoteCommandError({ host: 'web1', step: 'migrate', command: `migrate ${SECRET}`, exitCode: 1, signal: null, outputTail: [] }) })
    const messages = await readEvents(await h.request('/api/events'), 'end')
    const end = messages.at(-1)!
    expect(end.data).not.toContain(SECRET)
    expect(JSON.parse(end.data)).toMatchObject({ ok: false, error: { code: 'REMOTE_COMMAND_FAILED', host: 'web1', step: 'migrate' } })
  })
})
