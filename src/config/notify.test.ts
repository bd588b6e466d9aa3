import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.js'
import { writeProject } from './__fixtures__/temp-project.js'
import { loadConfig } from './load.js'
import { describeUrl } from './notify.js'
import { resolveEnvironment, type ResolveOptions } from './resolve.js'

const HOOK = 'https://hooks.example.com/services/T1/B2/tokentokentoken'

async function resolve(text: string, processEnv: NodeJS.ProcessEnv = {}, options: ResolveOptions = {}) {
  const loaded = await loadConfig({ cwd: writeProject({ 'berth.yml': text }, { isGitRepo: true }) })
  return resolveEnvironment(loaded, 'production', { processEnv, ...options })
}

const BASE = 'app: shop\nhosts: [web1]\n'

describe('notify', () => {
  it('reads the URL from ${VAR}, defaults format and events, and masks the URL as a secret', async () => {
    const config = await resolve(`${BASE}notify:\n  - webhook: "\${HOOK_URL}"\n  - { webhook: "${HOOK}", format: slack, on: [failure] }\nenvironments: { production: {} }\n`, { HOOK_URL: HOOK })
    expect(config.notify).toEqual([
      { webhook: HOOK, format: 'json', on: ['start', 'success', 'failure', 'rollback', 'lock-broken'], source: 'notify[0]' },
      { webhook: HOOK, format: 'slack', on: ['failure'], source: 'notify[1]' },
    ])
    expect(config.secretValues).toContain(HOOK)
  })

  it('an environment\'s list replaces the top level\'s', async () => {
    const config = await resolve(`${BASE}notify: [{ webhook: "${HOOK}" }]\nenvironments:\n  production:\n    notify: [{ webhook: "http://127.0.0.1:9/x", on: [start] }]\n`)
    expect(config.notify).toEqual([{ webhook: 'http://127.0.0.1:9/x', format: 'json', on: ['start'], source: 'environments.production.notify[0]' }])
  })

  it('refuses a value that is not an http(s) URL without printing it, an unset variable, and an unknown event', async () => {
    const failure = (text: string): Promise<string> => resolve(text).then(() => '', (e: unknown) => (e instanceof ConfigError ? e.message : String(e)))
    const message = await failure(`${BASE}notify:\n  - webhook: "ftp://example.com/secret-path"\nenvironments: { production: {} }\n`)
    expect(message).toContain('notify[0].webhook: expected an http:// or https:// URL, got ftp://example.com/…')
    expect(message).not.toContain('secret-path')
    expect(await failure(`${BASE}notify: [{ webhook: "\${MISSING}" }]\nenvironments: { production: {} }\n`)).toContain('notify[0].webhook: environment variable "MISSING" is not set')
    expect(await failure(`${BASE}notify: [{ webhook: "${HOOK}", on: [deployed] }]\nenvironments: { production: {} }\n`)).toMatch(/notify\[0\]\.on\[0\]: expected one of "start"/)
  })

  it('a read-only command needs no webhook variable', async () => {
    const config = await resolve(`${BASE}notify: [{ webhook: "\${HOOK_URL}" }]\nenvironments: { production: {} }\n`, {}, { allowUnsetValues: true })
    expect(config.notify[0]?.webhook).toBe('<unset: HOOK_URL>')
  })

  it('shows a URL by scheme, host and port only', () => {
    expect(describeUrl(HOOK)).toBe('https://hooks.example.com/…')
    expect(describeUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080')
    expect(describeUrl('http://127.0.0.1:8080/?token=x')).toBe('http://127.0.0.1:8080/…')
    expect(describeUrl('not a url')).toBe('a value that is not a URL')
  })
})
