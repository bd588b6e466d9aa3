/**
 * The command line a person types, through the built CLI: the words other tools taught
 * them (`--dry-run`, `help`, `version`), what berth says for a misspelt command or option
 * or for `run` without its `--`, and hints that work when pasted after a `-c FILE` run.
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

let project: Project | undefined
afterEach(() => project?.cleanup())

/** The words a shell makes of a pasted command line. */
function shellWords(line: string): string[] {
  return execFileSync('sh', ['-c', `for w in ${line}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' }).split('\0').slice(0, -1)
}

describe('the command line', () => {
  it('plans with --dry-run, as --plan does, and says so in --help', async () => {
    const p = (project = createProject(localConfig()))
    const planned = await p.berth(['deploy', 'production', '--dry-run'])
    expect(planned.code, planned.stderr).toBe(0)
    expect(planned.stdout).toMatch(/localhost/)
    expect(p.exists('')).toBe(false)
    const help = await p.berth(['deploy', '--help'])
    expect(help.stdout).toMatch(/--dry-run +the same as --plan/)
  })

  it('shows --no-color without a "default: true" that reads backwards', async () => {
    const p = (project = createProject(localConfig()))
    const help = await p.berth(['--help'])
    expect(help.stdout).toMatch(/--no-color +no colours \(also NO_COLOR\)\n/)
    expect(help.stdout).not.toMatch(/default: true/)
  })

  it('has help and version commands', async () => {
    const p = (project = createProject(localConfig()))
    const help = await p.berth(['help', 'rollback'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/\$ berth rollback <env>/)
    expect(help.stdout).toMatch(/--to <release>/)
    const all = await p.berth(['help'])
    expect(all.code).toBe(0)
    expect(all.stdout).toMatch(/deploy <env> +deploy a release/)
    const version = await p.berth(['version'])
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/^berth\/\d+\.\d+\.\d+/)
  })

  it('suggests the command meant for a misspelt one', async () => {
    const p = (project = createProject(localConfig()))
    for (const args of [['deplyo', 'production'], ['help', 'deplyo']]) {
      const result = await p.berth(args)
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/unknown command "deplyo"/)
      expect(result.stderr).toMatch(/did you mean `berth deploy`\?/)
    }
    const far = await p.berth(['frobnicate', 'production'])
    expect(far.stderr).not.toMatch(/did you mean/)
  })

  it('names a misspelt option as typed, with the one meant', async () => {
    const p = (project = createProject(localConfig()))
    const result = await p.berth(['deploy', 'production', '--lock-wiat', '5m'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/unknown option --lock-wiat/)
    expect(result.stderr).toMatch(/did you mean --lock-wait\?/)
  })

  it('points `run` with the command\'s own options at the --', async () => {
    const p = (project = createProject(localConfig()))
    const result = await p.berth(['run', 'production', 'ls', '-la'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/unknown option -l/)
    const hint = /put the command after --: (berth run .*)/.exec(result.stderr)?.[1]
    expect(hint).toBe('berth run production -- ls -la')
    const pasted = await p.berth(shellWords(hint!).slice(1))
    expect(pasted.code, pasted.stderr).toBe(0)
  })

  it('carries the -c that was typed into the hints it prints, quoted so they paste', async () => {
    const config = 'ops conf/it\'s.yml'
    const p = (project = createProject(localConfig(), { [config]: localConfig() }))
    const deployed = await p.berth(['deploy', 'production', '-c', config])
    expect(deployed.code, deployed.stderr).toBe(0)
    const next = /· (berth .*) · back: (berth .*)$/m.exec(deployed.stdout)
    expect(next?.[1]).toBe(`berth -c 'ops conf/it'\\''s.yml' releases production`)
    const pasted = await p.berth(shellWords(next![1]!).slice(1))
    expect(pasted.code, pasted.stderr).toBe(0)
    expect(pasted.stdout).toContain(p.live()!)

    const locked = await p.berth(['lock', 'production', '-c', config])
    expect(locked.stdout).toContain(`free it with: berth -c 'ops conf/it'\\''s.yml' unlock production`)
    expect((await p.berth(['unlock', 'production', '-c', config])).code).toBe(0)
    // One release only: nothing to go back to, and the hint names the command that lists them.
    const refused = await p.berth(['rollback', 'production', '-c', config])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(`berth -c 'ops conf/it'\\''s.yml' releases production`)
  })
})
