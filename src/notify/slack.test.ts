import { describe, expect, it } from 'vitest'
import type { NotificationBody } from './body.js'
import { slackMessage } from './slack.js'

const body: NotificationBody = {
  version: 1,
  event: 'failure',
  run: 'r1',
  at: '2030-01-01T12:00:00.000Z',
  app: 'shop',
  environment: 'production',
  command: 'deploy',
  by: { user: 'ann', machine: 'laptop' },
  text: 'shop production: deploy of 20300101T120000-abc1234 failed: nothing destructive happened',
  hosts: ['web1', 'web2'],
  revision: 'abc1234def5678abc1234def5678abc1234def56',
  ref: 'main',
  ok: false,
  outcomes: [
    { host: 'web1', live: 'old', switched: false, failedStep: 'build', error: 'hook build failed: `npm ci` exited with code 1\nmore' },
    { host: 'web2', live: 'old', switched: false },
  ],
  attention: { level: 'check', facts: [{ kind: 'unchanged' }], summary: 'Every host is still on its previous release <ok>.' },
}

describe('slack format', () => {
  it('a text for notifications, and blocks with each failed host and who deployed what', () => {
    const message = slackMessage(body)
    expect(message.text).toBe(`:x: ${body.text}`)
    expect(message.blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: `:x: ${body.text}\n• *web1*: build — hook build failed: \`npm ci\` exited with code 1\nEvery host is still on its previous release &lt;ok&gt;.` },
    })
    expect(message.blocks[1]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'shop · production · by ann@laptop · `abc1234` (main)' }] })
  })
})
