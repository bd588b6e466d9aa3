/**
 * The maintenance page's HTML (README, "Maintenance page"): the repository's template
 * with `{message}` and `{since}` filled in, or berth's own plain page. Both values are
 * HTML-escaped: a message typed on the command line never becomes markup.
 */

/** What the page says when `--message` is not given. */
export const DEFAULT_MAINTENANCE_MESSAGE = 'We are updating the site and will be back in a few minutes.'

export interface PageFill {
  message: string
  /** When the page went up (shown in UTC). */
  since: Date
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!)
}

/** `2026-12-02 14:58 UTC`: what a visitor reads; the `<time>` element carries the exact instant. */
function sinceText(since: Date): string {
  return `${since.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** One pass over the template, so a message holding "{since}" stays as typed. */
export function renderMaintenancePage(template: string | null, fill: PageFill): string {
  const values: Record<string, string> = { message: escapeHtml(fill.message), since: escapeHtml(sinceText(fill.since)) }
  return (template ?? builtinPage(fill.since)).replace(/\{(message|since)\}/g, (_, key: string) => values[key]!)
}

/** Self-contained (no external assets: the app and its CDN may be what is down), readable on a phone. */
function builtinPage(since: Date): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Down for maintenance</title>
<style>
  html { color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: Canvas; color: CanvasText; }
  main { max-width: 34rem; padding: 2rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .75rem; }
  p { margin: 0 0 .75rem; }
  .since { opacity: .65; font-size: .9rem; }
</style>
</head>
<body>
<main>
<h1>Down for maintenance</h1>
<p>{message}</p>
<p class="since">Since <time datetime="${since.toISOString()}">{since}</time>.</p>
</main>
</body>
</html>
`
}
