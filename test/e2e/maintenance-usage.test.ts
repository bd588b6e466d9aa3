/**
 * `berth maintenance` as typed, through the built CLI: what it says for a missing or
 * mistyped action, a message where none is shown, and a template that is not in the
 * repository; every refusal exits 2 before any host is touched.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('berth maintenance', () => {
  it('refuses a missing or unknown action, --message with off, and an empty --message, changing nothing', async () => {
    const p = (project = createProject(localConfig()))
    for (const [args, said] of [
      [['maintenance', 'production'], /missing required args for command `maintenance <env> <on\|off>`/],
      [['maintenance', 'production', 'up'], /berth maintenance production "up": say on or off/],
      [['maintenance', 'production', 'off', '--message', 'x'], /--message goes with on/],
      [['maintenance', 'production', 'on', '--message', ''], /--message is empty/],
    ] as const) {
      const result = await p.berth([...args])
      expect(result.code, result.stdout + result.stderr).toBe(2)
      expect(result.stderr).toMatch(said)
    }
    expect(p.exists('')).toBe(false)
  })

  it('refuses a template that is not in the repository, before any host is touched, for the command and for a deploy', async () => {
    const p = (project = createProject(localConfig('maintenance: { template: deploy/missing.html }')))
    const on = await p.berth(['maintenance', 'production', 'on'])
    expect(on.code).toBe(2)
    expect(on.stderr).toMatch(/maintenance\.template deploy\/missing\.html is not a file in commit [0-9a-f]{12}/)
    const deploy = await p.berth(['deploy', 'production', '--maintenance'])
    expect(deploy.code).toBe(2)
    expect(deploy.stderr).toMatch(/maintenance\.template deploy\/missing\.html is not a file in commit/)
    expect(p.exists('')).toBe(false)
  })

  it('puts the page where maintenance.path says, and --plan says when it goes up and down', async () => {
    const p = (project = createProject(localConfig('maintenance: { path: static/down.html }')))
    const plan = await p.berth(['deploy', 'production', '--maintenance', '--plan'])
    expect(plan.stdout).toContain(`maintenance page ${p.target}/shared/static/down.html: up before migrate, down after verify`)
    const json = await p.berth(['deploy', 'production', '--maintenance', '--plan', '--json'])
    expect(JSON.parse(json.stdout.trim().split('\n').at(-1)!)).toMatchObject({ kind: 'result', data: { maintenancePage: `${p.target}/shared/static/down.html` } })
    expect((await p.berth(['maintenance', 'production', 'on'])).code).toBe(0)
    expect(p.read('shared/static/down.html')).toContain('We are updating the site and will be back in a few minutes.')
  })
})
