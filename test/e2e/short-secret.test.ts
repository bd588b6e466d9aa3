/**
 * A secret too short to mask (under 3 characters) is said once, through the real CLI,
 * before the deploy runs; a longer one is masked and says nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

describe('a short secret', () => {
  it('is warned about once, naming it and where it is declared', async () => {
    const config = localConfig('secrets: [PIN, API_TOKEN]\nhooks:\n  build:\n    - run: echo "pin=$PIN token=$API_TOKEN"')
    const p = (project = createProject(config))
    const line = config.split('\n').findIndex((l) => l.startsWith('secrets:')) + 1
    const result = await p.berth(['deploy', 'production'], { env: { PIN: '7', API_TOKEN: 'tok-123456' } })
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(0)
    const warning = `berth.yml:${line} secrets[0]: secret PIN is shorter than 3 characters: berth cannot mask it in output`
    expect(out.split(warning).length - 1).toBe(1)
    expect(out).not.toContain('API_TOKEN is shorter')
    expect(out).not.toContain('tok-123456')

    const quiet = await p.berth(['deploy', 'production'], { env: { PIN: '7777', API_TOKEN: 'tok-123456' } })
    expect(quiet.code).toBe(0)
    expect(quiet.stdout + quiet.stderr).not.toContain('shorter than 3 characters')
  })
})
