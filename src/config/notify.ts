/**
 * `notify:` of one environment (a plain setting: an environment's list replaces the top
 * level's). A webhook URL usually carries a token in its path or query, so the URL read
 * from `${VAR}` joins the run's secret values: masked wherever it could be printed.
 */
import type { KeyPath, RawIssue } from './issue.js'
import { formatPath } from './issue.js'
import type { Interpolator } from './hooks.js'
import type { Sourced } from './overlay.js'
import type { RawNotify } from './schema.js'
import { NOTIFY_EVENTS, type NotifyTarget } from './types.js'

/** A value a read-only command could not know (`<unset: VAR>`): nothing to check yet. */
const UNSET = /<unset: [A-Za-z_][A-Za-z0-9_]*>/

export function resolveNotify(
  written: Sourced<RawNotify[] | undefined>,
  interpolate: Interpolator,
  errors: RawIssue[],
): { targets: NotifyTarget[]; urls: string[] } {
  const targets: NotifyTarget[] = []
  const urls: string[] = []
  for (const [index, raw] of (written.value ?? []).entries()) {
    const at: KeyPath = [...written.path, index]
    const webhook = interpolate(raw.webhook, [...at, 'webhook'])
    if (webhook !== '' && !UNSET.test(webhook)) {
      if (!isHttpUrl(webhook)) errors.push({ path: [...at, 'webhook'], message: `expected an http:// or https:// URL, got ${describeUrl(webhook)}` })
      urls.push(webhook)
    }
    targets.push({ webhook, format: raw.format, on: [...(raw.on ?? NOTIFY_EVENTS)], source: formatPath(at) })
  }
  return { targets, urls }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

/**
 * A webhook as people may see it: scheme, host and port only. The path and query are
 * where services put their tokens (Slack's `/services/T…/B…/secret`), so they never show.
 */
export function describeUrl(text: string): string {
  if (UNSET.test(text)) return text
  try {
    const url = new URL(text)
    const rest = url.pathname === '/' && url.search === '' ? '' : '/…'
    return `${url.protocol}//${url.host}${rest}`
  } catch {
    return 'a value that is not a URL'
  }
}
