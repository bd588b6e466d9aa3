/**
 * A hook failing at each step of a deploy, through the CLI: the exit code, where `current`
 * points afterwards, the lock, the failed release and its record, the `failed` hook, and
 * the summary a person reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createProject, localConfig, type Project } from '../helpers/project.js'

/** Each hook fails when FAIL_AT names it, after printing a few lines. */
const HOOKS = [
  'before_fetch',
  'after_fetch',
  'after_release',
  'before_link',
  'build',
  'migrate',
  'before_switch',
  'after_switch',
  'restart',
  'verify',
]
const failing = (name: string): string[] => [
  `  ${name}:`,
  `    - run: if [ "$FAIL_AT" = ${name} ]; then echo "first line"; echo "boom in ${name}" >&2; exit 7; fi`,
]
const config = localConfig(
  [
    'hooks:',
    ...HOOKS.flatMap(failing),
    '  failed:',
    `    - run: 'echo "failed hook: step=$BERTH_FAILED_STEP release=$BERTH_RELEASE" >> __BASE__/hooks.log'`,
    `    - run: 'echo "local failed hook: step=$BERTH_FAILED_STEP in $(pwd)" >> __BASE__/hooks.log'`,
    '      local: true',
  ].join('\n'),
)

/** The step each hook belongs to, as recorded and reported. */
const stepOf = (hook: string): string => hook.replace(/^(before|after)_/, '')
/** After these, the new release had gone live and is put back. */
const AFTER_SWITCH = new Set(['after_switch', 'restart', 'verify'])

let p: Project
let good: string
beforeAll(async () => {
  p = createProject(config)
  const result = await p.berth(['deploy', 'production'])
  expect(result.code, result.stdout + result.stderr).toBe(0)
  good = p.live()!
})
afterAll(() => p.cleanup())

describe('a failing hook', () => {
  it.each(HOOKS)('at %s: exit 1, the old release stays (or is put back) live, the failure is recorded and explained', async (hook) => {
    const step = stepOf(hook)
    const before = new Set(p.releases())
    const logBefore = p.log().length
    const result = await p.berth(['deploy', 'production'], { env: { FAIL_AT: hook } })
    const out = result.stdout + result.stderr
    expect(result.code, out).toBe(1)

    // Live release: untouched, or put back after the switch.
    expect(p.current()).toBe(`releases/${good}`)
    expect(p.record(good).state).toBe('active')
    expect(p.exists('.berth/lock')).toBe(false)

    // The failed release stays on disk for inspection, recorded failed at its step.
    const created = p.releases().filter((id) => !before.has(id))
    if (hook === 'before_fetch') {
      expect(created).toEqual([])
    } else {
      expect(created).toHaveLength(1)
      expect(p.record(created[0]!)).toMatchObject({ state: 'failed', failedStep: step })
      expect(p.exists(`releases/${created[0]}/REVISION`) || step === 'fetch').toBe(true)
    }
    expect(p.history().at(-1)).toMatchObject({ kind: 'deploy', result: 'failed', failedStep: step })

    // The summary: host, step, command, exit code, last output lines, and what it means.
    expect(result.stdout).toMatch(new RegExp(`localhost +${good} +✗ failed at ${step}`))
    expect(result.stdout).toContain(`localhost failed at ${step}:`)
    expect(result.stdout).toContain(`if [ "$FAIL_AT" = ${hook} ]`)
    expect(result.stdout).toMatch(/exit code 7/)
    expect(result.stdout).toContain(`boom in ${hook}`)
    expect(result.stdout).toContain('first line')
    // Migrations (hooks.migrate) started: from then on a person must know.
    const migrated = HOOKS.indexOf(hook) >= HOOKS.indexOf('migrate')
    if (!migrated) expect(result.stdout).toContain('nothing destructive happened')
    else expect(result.stdout).toMatch(/migrations ran \(localhost\)/)
    if (AFTER_SWITCH.has(hook)) expect(result.stdout).toMatch(/went live on localhost and was rolled back/)

    // The failed hooks ran once each (on the host, then the local one), knowing the step and the release.
    const release = created[0] ?? '\\d{8}T\\d{6}-[0-9a-f]{7}'
    expect(p.log().slice(logBefore)).toEqual([
      expect.stringMatching(new RegExp(`^failed hook: step=${step} release=${release}$`)),
      `local failed hook: step=${step} in ${p.dir}`,
    ])
  })

  it('a later successful deploy removes every failed release and keeps the good one', async () => {
    const result = await p.berth(['deploy', 'production'])
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(p.releases()).toEqual([good, p.live()])
    expect(p.record(good).state).toBe('ready')
  })
})

describe('hooks after the release went live', () => {
  it('a failing cleanup or unlock hook is a warning: the deploy succeeded and says so', async () => {
    const q = createProject(localConfig(['hooks:', '  after_cleanup:', `    - 'echo "cleanup hook broke" >&2; exit 3'`, '  after_unlock: [exit 4]'].join('\n')))
    try {
      const result = await q.berth(['deploy', 'production'])
      expect(result.code, result.stdout + result.stderr).toBe(0)
      expect(result.stdout).toMatch(/warn|⚠/)
      expect(result.stdout).toContain('the deploy itself succeeded')
      expect(q.record(q.live()!).state).toBe('active')
      expect(q.history().at(-1)).toMatchObject({ result: 'success' })
      expect(q.exists('.berth/lock')).toBe(false)
      // The one release is live: `current` leads to its files on disk.
      expect(q.releases()).toHaveLength(1)
      expect(q.current()).toBe(`releases/${q.releases()[0]}`)
      expect(q.read('current/index.html')).toBe('<h1>v1</h1>\n')
    } finally {
      q.cleanup()
    }
  })
})
