/**
 * `berth config ENV` and the read-only commands without the deploy's secrets, through the
 * built CLI: what an operator runs from a laptop that holds no production secrets.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

const SECRET = 'hunter2-s3cr3t-value'

const config = localConfig(
  [
    'secrets: [TOKEN, PIN]',
    'env: { API_URL: "https://api/${TOKEN}", PLAIN: visible }',
    'hooks:',
    '  restart:',
    '    - run: "true"',
    '      env: { ENTRY_TOKEN: "${TOKEN}" }',
  ].join('\n'),
)

describe('berth config', () => {
  it('prints the environment resolved, overlay and defaults applied, secrets masked', async () => {
    // The environment's own keepReleases overrides the file's, and defaults (strategy) are filled in.
    const p = (project = createProject(config.replace('  production:\n', '  production:\n    keepReleases: 7\n')))
    const shown = await p.berth(['config', 'production'], { env: { TOKEN: SECRET, PIN: '42' } })
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).not.toContain(SECRET)
    const view = parse(shown.stdout) as Record<string, unknown> & { env: Record<string, string>; hosts: { name: string }[]; hooks: Record<string, { env: Record<string, string> }[]> }
    expect(view.keepReleases).toBe(7)
    expect(view.strategy).toBe('upload')
    expect(view.deployTo).toBe(p.target)
    expect(view.hosts.map((host) => host.name)).toEqual(['localhost'])
    expect(view.env.PLAIN).toBe('visible')
    // A secret is masked by name even when it is too short for the output redactor.
    expect(view.env.PIN).toBe('••••••')
    expect(view.env.TOKEN).toBe('••••••')
    // A value built from a secret is a secret too.
    expect(view.env.API_URL).toBe('••••••')
    expect(view.hooks.restart?.[0]?.env.ENTRY_TOKEN).toBe('••••••')
    expect(view).not.toHaveProperty('secretValues')

    const json = await p.berth(['config', 'production', '--json'], { env: { TOKEN: SECRET, PIN: '42' } })
    expect(json.code, json.stderr).toBe(0)
    expect(json.stdout).not.toContain(SECRET)
    const line = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { kind: string; command: string; data: { keepReleases: number } }
    expect(line).toMatchObject({ kind: 'result', command: 'config', data: { keepReleases: 7 } })
  })
})

describe('read-only commands without the secrets', () => {
  it('run, and show each unset secret by name, while deploy still refuses', async () => {
    const p = (project = createProject(config))
    for (const command of ['status', 'releases', 'history', 'check']) {
      const result = await p.berth([command, 'production'])
      expect(result.code, `${command}: ${result.stderr}`).toBe(0)
    }
    const plan = await p.berth(['deploy', 'production', '--plan'])
    expect(plan.code, plan.stderr).toBe(0)
    // The plan as data carries each hook's environment: the secret it lacks is named there.
    const planned = await p.berth(['deploy', 'production', '--dry-run', '--json'])
    expect(planned.code, planned.stderr).toBe(0)
    expect(planned.stdout).toContain('"ENTRY_TOKEN":"<unset: TOKEN>"')
    const shown = await p.berth(['config', 'production'])
    expect((parse(shown.stdout) as { env: Record<string, string> }).env.API_URL).toBe('https://api/<unset: TOKEN>')

    for (const args of [['deploy', 'production'], ['rollback', 'production'], ['setup', 'production'], ['run', 'production', '--', 'true']]) {
      const refused = await p.berth(args)
      expect(refused.code, args.join(' ')).toBe(2)
      expect(refused.stderr).toContain('environment variable "TOKEN" is not set')
    }
    expect(p.exists('')).toBe(false)
  })
})
