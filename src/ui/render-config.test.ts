import { describe, expect, it } from 'vitest'
import type { ResolvedConfig } from '../config/types.js'
import { configView } from './render-config.js'

describe('berth config', () => {
  it('shows a webhook by scheme and host only: its path and query hold its token', () => {
    const config = {
      secrets: [],
      secretValues: ['https://hooks.slack.com/services/T1/B2/abcdefsecret'],
      env: {},
      hooks: {},
      notify: [{ webhook: 'https://hooks.slack.com/services/T1/B2/abcdefsecret', format: 'slack', on: ['failure'], source: 'notify[0]' }],
    } as unknown as ResolvedConfig
    const view = configView(config)
    expect(view.notify).toEqual([{ webhook: 'https://hooks.slack.com/…', format: 'slack', on: ['failure'], source: 'notify[0]' }])
    expect(JSON.stringify(view)).not.toContain('abcdefsecret')
  })
})
