/**
 * Invalid config is refused before anything runs: exit 2, the file and line of each
 * problem on stderr, and nothing created on the target.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

/** Line number (1-based) of the first line of `config` containing `text`. */
function lineOf(config: string, text: string): number {
  const index = config.split('\n').findIndex((line) => line.includes(text))
  expect(index, `"${text}" in the config`).toBeGreaterThanOrEqual(0)
  return index + 1
}

async function expectRefused(config: string, args: string[], ...patterns: RegExp[]): Promise<string> {
  const p = (project = createProject(config))
  const result = await p.berth(args)
  expect(result.code, result.stdout + result.stderr).toBe(2)
  for (const pattern of patterns) expect(result.stderr).toMatch(pattern)
  expect(existsSync(p.target)).toBe(false)
  expect(existsSync(join(p.base, 'srv'))).toBe(false)
  return result.stderr
}

describe('invalid config', () => {
  it('malformed YAML', async () => {
    const config = localConfig('hooks:\n  restart: [touch tmp/restart.txt\n  verify: []')
    await expectRefused(config, ['deploy', 'production'], /berth\.yml:\d+/, /YAML/i)
  })

  it('an unknown key, with a suggestion', async () => {
    const config = localConfig('hooks:\n  restart:\n    - rn: touch tmp/restart.txt')
    const line = lineOf(config, 'rn: touch')
    await expectRefused(config, ['deploy', 'production'], new RegExp(`berth\\.yml:${line}\\b.*hooks\\.restart\\[0\\].*unknown key "rn".*did you mean "run"`))
  })

  it('an unknown top-level key, with a suggestion', async () => {
    const config = localConfig('keepReleaes: 4')
    await expectRefused(config, ['deploy', 'production'], new RegExp(`berth\\.yml:${lineOf(config, 'keepReleaes')}\\b.*"keepReleaes".*did you mean "keepReleases"`))
  })

  it('a value of the wrong type', async () => {
    const config = localConfig().replace('keepReleases: 3', 'keepReleases: many')
    await expectRefused(config, ['deploy', 'production'], new RegExp(`berth\\.yml:${lineOf(config, 'keepReleases')}\\b.*keepReleases.*expected`))
  })

  it('every problem at once, not just the first', async () => {
    const config = localConfig('keepReleaes: 4\nhooks:\n  restart:\n    - rn: x').replace('app: shop', 'app: 42')
    const stderr = await expectRefused(config, ['deploy', 'production'], /keepReleaes/, /"rn"/)
    expect(stderr.match(/berth\.yml:\d+/g)?.length).toBeGreaterThanOrEqual(3)
  })

  it('an unknown environment, with a suggestion', async () => {
    await expectRefused(localConfig(), ['deploy', 'prodution'], /berth\.yml:\d+/, /unknown environment "prodution"/, /did you mean "production"/)
  })

  it('is refused by every command, not only deploy, and by --plan', async () => {
    const config = localConfig('hooks:\n  restart:\n    - rn: x')
    const p = (project = createProject(config))
    for (const args of [['deploy', 'production', '--plan'], ['rollback', 'production'], ['status', 'production']]) {
      const result = await p.berth(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(/berth\.yml:\d+/)
    }
    expect(existsSync(p.target)).toBe(false)
  })

  it('bad usage: a missing environment or an unknown command is exit 2', async () => {
    const p = (project = createProject(localConfig()))
    expect((await p.berth(['deploy'])).code).toBe(2)
    expect((await p.berth(['deplyo', 'production'])).code).toBe(2)
    expect((await p.berth(['deploy', 'production', '--lock-wait', 'soon'])).code).toBe(2)
    expect(existsSync(p.target)).toBe(false)
  })
})
