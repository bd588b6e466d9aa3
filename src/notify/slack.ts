/**
 * The `slack` format: a message Slack's incoming webhooks accept (`text` for
 * notifications and clients without blocks, `blocks` for the channel), built from the
 * same body the `json` format sends.
 */
import type { NotificationBody } from './body.js'

const ICONS: Record<NotificationBody['event'], string> = {
  start: ':rocket:',
  success: ':white_check_mark:',
  failure: ':x:',
  rollback: ':leftwards_arrow_with_hook:',
  'lock-broken': ':unlock:',
}

export interface SlackMessage {
  text: string
  blocks: ({ type: 'section'; text: { type: 'mrkdwn'; text: string } } | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] })[]
}

export function slackMessage(body: NotificationBody): SlackMessage {
  const text = `${ICONS[body.event]} ${body.text}`
  const failed = (body.outcomes ?? []).filter((host) => host.failedStep !== undefined)
  const lines = failed.map((host) => `• *${escape(host.host)}*: ${escape(host.failedStep ?? '')}${host.error === undefined ? '' : ` — ${escape(firstLine(host.error))}`}`)
  if (body.attention !== undefined && body.attention.level !== 'none') lines.push(escape(body.attention.summary))
  const context = [`${escape(body.app)} · ${escape(body.environment)}`, `by ${escape(body.by.user)}@${escape(body.by.machine)}`]
  if (body.revision !== undefined) context.push(`\`${body.revision.slice(0, 7)}\`${body.ref === undefined ? '' : ` (${escape(body.ref)})`}`)
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: [escape(text), ...lines].join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  }
}

/** Slack's mrkdwn reads `&`, `<` and `>` as markup: these three are all it asks to escape. */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? ''
}
