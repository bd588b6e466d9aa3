/**
 * The routes of `berth ui`'s local server. Every request must carry the token (README,
 * "The web page"); reading the fleet, following a run and starting one go through the
 * `CockpitCore` the command passes in, so these routes can be tested without hosts.
 */
import { Hono, type Context } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { streamSSE } from 'hono/streaming'
import type { Reporter } from '../events.js'
import { isReleaseId } from '../release/id.js'
import { redactDeep, type Redact } from '../ui/redact.js'
import type { PageAssets } from './assets.js'
import type { RunAction, RunTracker, StreamMessage } from './runs.js'
import { tokenMatches } from './token.js'

/** What the page can ask of berth: read the fleet, deploy, roll back. */
export interface CockpitCore {
  app: string
  environment: string
  /** Status, releases and history of every host, as plain data. */
  readFleet(): Promise<Record<string, unknown>>
  /** Deploys the environment's configured branch; resolves to whether it succeeded. */
  deploy(report: Reporter): Promise<boolean>
  /** Rolls back to the previous release, or to `to`; resolves to whether it succeeded. */
  rollback(to: string | undefined, report: Reporter): Promise<boolean>
}

export interface CockpitAppOptions {
  token: string
  core: CockpitCore
  runs: RunTracker
  redact: Redact
  assets: PageAssets
  /** Aborted when the server stops: open event streams end. */
  closing: AbortSignal
}

/** The header the page's script sends the token in; the page, its assets and the event stream take it as `?token=`. */
const TOKEN_HEADER = 'x-berth-token'

export function createCockpitApp(options: CockpitAppOptions): Hono {
  const { core, runs, redact, assets } = options
  const app = new Hono()
  // Nothing but this server's own files runs or loads in the page, and no address leaks in a Referer.
  app.use(
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], connectSrc: ["'self'"], imgSrc: ["'self'", 'data:'], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
      referrerPolicy: 'no-referrer',
    }),
  )
  app.use(async (c, next) => {
    if (!tokenMatches(c.req.header(TOKEN_HEADER) ?? c.req.query('token'), options.token)) {
      return c.text('forbidden: open the address `berth ui` printed, token included\n', 403)
    }
    await next()
    c.header('Cache-Control', 'no-store')
  })

  // An unexpected failure answers its message (masked), not a bare 500 the page cannot explain.
  app.onError((error, c) => c.json({ error: redact(error.message) }, 500))

  app.get('/', (c) => c.html(assets.html.replaceAll('__TOKEN__', encodeURIComponent(options.token))))
  app.get('/app.js', (c) => c.body(assets.script, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
  app.get('/style.css', (c) => c.body(assets.style, 200, { 'Content-Type': 'text/css; charset=utf-8' }))

  app.get('/api/fleet', async (c) => {
    const fleet = await core.readFleet()
    return c.json(redactDeep({ ...fleet, run: runs.latest() }, redact) as Record<string, unknown>)
  })

  app.get('/api/events', (c) => streamSSE(c, (stream) => relay(runs, options.closing, stream)))

  app.post('/api/deploy', (c) => startRun(c, 'deploy', (report) => core.deploy(report)))
  app.post('/api/rollback', async (c) => {
    const to = (await readBody(c))?.to
    if (to !== undefined && (typeof to !== 'string' || !isReleaseId(to))) return c.json({ error: 'not a release name (like 20261123T171500-4634f44)' }, 400)
    return startRun(c, 'rollback', (report) => core.rollback(to, report))
  })

  /** A run starts only after the environment's name was typed, and only when none is going. */
  async function startRun(c: Context, action: RunAction, body: (report: Reporter) => Promise<boolean>): Promise<Response> {
    const confirm = (await readBody(c))?.confirm
    if (confirm !== core.environment) return c.json({ error: `type the environment's name, ${core.environment}, to confirm` }, 400)
    const run = runs.start(action, body)
    if (run === null) return c.json({ error: 'a deploy or rollback started from this page is still running (or berth ui is stopping)' }, 409)
    return c.json({ run }, 202)
  }
  return app
}

/** The request's JSON object; null when it is not one. Hono keeps the parsed body, so reading it twice is fine. */
async function readBody(c: Context): Promise<Record<string, unknown> | null> {
  try {
    const body: unknown = await c.req.json()
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** Sends the latest run's messages, then each new one, until the page goes away or the server stops. */
async function relay(runs: RunTracker, closing: AbortSignal, stream: { aborted: boolean; onAbort(listener: () => void): void; writeSSE(message: StreamMessage): Promise<void> }): Promise<void> {
  const pending: StreamMessage[] = []
  let wake = (): void => {}
  const ended = new Promise<void>((resolve) => {
    stream.onAbort(resolve)
    if (closing.aborted) resolve()
    else closing.addEventListener('abort', () => resolve(), { once: true })
  })
  const stop = runs.follow((message) => {
    pending.push(message)
    wake()
  })
  try {
    while (!stream.aborted && !closing.aborted) {
      for (let message = pending.shift(); message !== undefined; message = pending.shift()) await stream.writeSSE(message)
      await Promise.race([ended, new Promise<void>((resolve) => (wake = resolve))])
    }
  } finally {
    stop()
  }
}
