/**
 * Webhook notifications (README, "Notifications"): a reporter that sits in front of the
 * run's own and POSTs what each webhook asked for. A POST starts the moment its event is
 * reported and never holds the run up (the switch included); the caller awaits them all,
 * within a cap, before it exits. A webhook that fails (refused, timed out, non-2xx) is a
 * warning, never a failed run.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { describeUrl } from '../config/notify.js'
import { currentUser } from '../identity.js'
import type { NotifyTarget, ResolvedConfig } from '../config/types.js'
import type { BerthEvent, Reporter } from '../events.js'
import { createRedactor } from '../ui/redact.js'
import { NOTIFICATION_VERSION, type NotificationBody } from './body.js'
import { lockBrokenMoment, openRun, startMoment, stoppedMoment, summaryMoment, type Moment, type OpenRun } from './moments.js'
import { slackMessage } from './slack.js'

/** Per POST: a webhook that hangs must not keep a finished deploy from exiting for long. */
const POST_TIMEOUT_MS = 5_000
/** How long the end of a run waits for POSTs still under way. */
const SETTLE_CAP_MS = 10_000

export interface NotifierOptions {
  /** Where the run's events go on to, and where a failed POST is reported as a warning. */
  reporter?: Reporter
  /** Who the bodies say ran berth. @default this process's user and host name */
  by?: { user: string; machine: string }
  now?: () => Date
  /** @default 5000 */
  timeoutMs?: number
  /** @default globalThis.fetch */
  fetch?: typeof fetch
}

export interface Notifier {
  /** Pass the run's events through this one (`RunOptions.reporter`). */
  report: Reporter
  /**
   * Sends the ending a deploy or rollback owes if it stopped before its summary (`error`
   * says why), then waits for every POST, at most `capMs`.
   */
  settle(error?: { message: string } | null, capMs?: number): Promise<void>
}

export function createNotifier(config: ResolvedConfig, options: NotifierOptions = {}): Notifier {
  const forward = options.reporter ?? (() => {})
  if (config.notify.length === 0) return { report: forward, settle: () => Promise.resolve() }
  const redact = createRedactor(config.secretValues)
  const post = options.fetch ?? globalThis.fetch
  const now = options.now ?? (() => new Date())
  const by = options.by ?? { user: currentUser(), machine: hostname() }
  // Each run gets its own id: `berth ui` runs several in one process.
  let run = randomUUID()
  const name = `${config.app} ${config.environment}`
  const pending = new Set<Promise<void>>()
  let open: OpenRun | null = null

  const warn = (message: string): void => forward({ kind: 'log', level: 'warn', message })
  const send = (moment: Moment | null): void => {
    if (moment === null) return
    const body: NotificationBody = { version: NOTIFICATION_VERSION, run, at: now().toISOString(), app: config.app, environment: config.environment, by, ...moment }
    for (const target of config.notify.filter((t) => t.on.includes(moment.event))) {
      const payload = target.format === 'slack' ? slackMessage(body) : body
      // Every string is masked: an error message can quote a hook's output, and that a secret.
      const text = JSON.stringify(payload, (_key, value: unknown) => (typeof value === 'string' ? redact(value) : value))
      const sent = deliver(post, target, text, options.timeoutMs ?? POST_TIMEOUT_MS).then(
        (problem) => {
          if (problem !== null) warn(`webhook ${describeUrl(target.webhook)} (${target.source}) was not told about "${moment.event}": ${problem}; the ${moment.command} itself is not affected`)
        },
      )
      pending.add(sent)
      void sent.finally(() => pending.delete(sent))
    }
  }

  const report: Reporter = (event: BerthEvent) => {
    forward(event)
    if (event.kind === 'run:start') {
      if (open === null) run = randomUUID()
      open = openRun(event)
      if (open !== null) send(startMoment(open, name))
    } else if (event.kind === 'lock:broken') {
      send(lockBrokenMoment(open, event, name))
    } else if (event.kind === 'run:summary') {
      send(summaryMoment(open, event, name))
      if (event.command === open?.command) open = null
    }
  }

  const settle = async (error?: { message: string } | null, capMs = SETTLE_CAP_MS): Promise<void> => {
    if (open !== null && error !== undefined && error !== null) send(stoppedMoment(open, error.message, name))
    open = null
    if (pending.size === 0) return
    let timer: NodeJS.Timeout | undefined
    const cap = new Promise<'cap'>((resolve) => (timer = setTimeout(() => resolve('cap'), capMs)))
    const outcome = await Promise.race([Promise.allSettled([...pending]).then(() => 'done' as const), cap])
    clearTimeout(timer)
    if (outcome === 'cap') warn(`${pending.size} webhook call(s) still under way after ${capMs / 1000}s: not waiting for them`)
  }
  return { report, settle }
}

/** One POST; null when the webhook took it (2xx), else what went wrong, without the URL. */
async function deliver(post: typeof fetch, target: NotifyTarget, body: string, timeoutMs: number): Promise<string | null> {
  try {
    const response = await post(target.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'berth' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    })
    // The body is read (and dropped) so the connection is freed.
    await response.arrayBuffer().catch(() => undefined)
    return response.ok ? null : `HTTP ${response.status}`
  } catch (error) {
    return whyFailed(error, timeoutMs)
  }
}

/** Node's fetch errors say "fetch failed" and keep the reason in `cause`; neither names the URL. */
function whyFailed(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000}s`
  const code = e.cause?.code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND') return 'host not found'
  if (code !== undefined) return code
  return 'the request failed'
}
