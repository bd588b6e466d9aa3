/**
 * `deploy --resume`: which failed deploy is continued and which steps each host leaves
 * out (from the hosts' history and the release's records, as the inspect round trip prints
 * them), the refusals, the plan it makes, and a whole resume on a fleet of fake hosts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { StateError, UsageError, type BerthError } from '../errors.js'
import { deployEntry, type DeployEntry } from '../history/entry.js'
import type { ReleaseRecord } from '../release/record.js'
import { createFleetProject, type FleetProject } from './__fixtures__/fake-fleet.js'
import { deploy } from './deploy.js'
import { planDeploy } from './plan.js'
import { findResumePoint, parseLook, takenUp, type ResumeLook } from './resume.js'

const OLD = '20300101T120000-aaaaaaa'
const NEW = '20300101T130000-bbbbbbb'
const SHA = 'b'.repeat(40)

function line(_host: string, fields: Partial<DeployEntry> = {}): DeployEntry {
  return deployEntry({
    id: 'run-2',
    at: '2030-01-01T13:00:05.000Z',
    environment: 'production',
    user: 'ann',
    machine: 'laptop',
    ref: 'main',
    sha: SHA,
    release: NEW,
    hosts: ['web1', 'web2', 'db1'],
    result: 'failed',
    failedStep: 'migrate',
    steps: {},
    durationMs: 1000,
    ...fields,
  })
}

const record = (state: ReleaseRecord['state'], completed?: ReleaseRecord['completed']): ReleaseRecord => ({
  release: NEW,
  state,
  revision: SHA,
  ref: 'main',
  createdAt: '2030-01-01T13:00:00.000Z',
  updatedAt: '2030-01-01T13:00:05.000Z',
  deployedBy: 'ann@laptop',
  ...(completed === undefined ? {} : { completed }),
})

interface HostSetup {
  current?: string
  /** Release directories, with `REVISION` unless listed in `incomplete`. */
  releases?: string[]
  incomplete?: string[]
  record?: ReleaseRecord
  history?: DeployEntry[]
}

/** What one host answers to the resume's read (history lines, then `@key value` lines). */
function look(host: string, setup: HostSetup): ResumeLook {
  const releases = setup.releases ?? [OLD, NEW]
  const out = [
    ...(setup.history ?? [line(host)]).map((entry) => JSON.stringify(entry)),
    '@now 1893502800',
    ...(setup.current === undefined ? [] : [`@current releases/${setup.current}`]),
    ...releases.flatMap((id) => [`@release ${id}`, ...(setup.incomplete?.includes(id) ? [] : [`@revision-file ${id}`])]),
    ...(setup.record === undefined ? [] : [`@record ${NEW} ${JSON.stringify(setup.record)}`]),
  ]
  return parseLook(host, out.join('\n'))
}

const PREPARED = ['lock', 'fetch', 'release', 'link', 'build'] as const
const refusal = (work: () => unknown): BerthError => {
  try {
    work()
  } catch (error) {
    return error as BerthError
  }
  return expect.fail('it should have refused')
}

describe('findResumePoint', () => {
  it('continues the failed deploy: each host leaves out the steps its record lists as finished', () => {
    const point = findResumePoint('production', [
      // migrate failed here: it runs again.
      look('db1', { current: OLD, record: record('failed', [...PREPARED]) }),
      // migrate ran here before db1 failed: it must not run twice.
      look('web2', { current: OLD, record: record('failed', [...PREPARED, 'migrate']) }),
    ])
    expect(point).toMatchObject({ run: 'run-2', release: NEW, sha: SHA, ref: 'main', hasTree: ['db1', 'web2'], live: [] })
    expect(point.skip).toEqual({ db1: ['fetch', 'release', 'link', 'build'], web2: ['fetch', 'release', 'link', 'build', 'migrate'] })
  })

  it('a host put back after the switch switches again; one already live on the release does nothing', () => {
    const point = findResumePoint('production', [
      look('web1', { current: NEW, record: record('active', [...PREPARED, 'migrate', 'switch']), history: [line('web1', { result: 'success', failedStep: undefined })] }),
      look('web2', { current: OLD, record: record('failed', [...PREPARED, 'migrate']), history: [line('web2', { failedStep: 'verify' })] }),
    ])
    expect(point.live).toEqual(['web1'])
    expect(point.skip.web1).toEqual(['fetch', 'release', 'link', 'build', 'migrate', 'switch', 'restart', 'verify'])
    expect(point.skip.web2).toEqual(['fetch', 'release', 'link', 'build', 'migrate'])
  })

  it('a host whose upload failed (its incomplete tree was removed, its record kept) gets the release again', () => {
    const point = findResumePoint('production', [look('web1', { current: OLD, releases: [OLD], record: record('failed', ['lock']), history: [line('web1', { failedStep: 'fetch' })] })])
    expect(point.skip.web1).toEqual([])
    expect(point.hasTree).toEqual([])
  })

  it('a host the failed deploy never reached (or a new one) gets the whole deploy', () => {
    const point = findResumePoint('production', [
      look('web1', { current: OLD, record: record('failed', [...PREPARED]) }),
      look('web9', { current: OLD, releases: [OLD], history: [] }),
    ])
    expect(point.skip.web9).toEqual([])
    expect(point.hasTree).toEqual(['web1'])
  })

  it('a record without the finished steps (an older berth): the files are reused, every later step runs again', () => {
    const point = findResumePoint('production', [look('web1', { current: OLD, record: record('failed') })])
    expect(point.skip.web1).toEqual(['fetch'])
  })

  it('refuses when there is nothing to resume: no deploy yet, or the last one succeeded', () => {
    const none = refusal(() => findResumePoint('production', [look('web1', { releases: [], history: [] })]))
    expect(none).toBeInstanceOf(UsageError)
    expect([none.exitCode, none.message]).toEqual([2, 'nothing to resume: no deploy of production on these hosts'])
    const succeeded = refusal(() => findResumePoint('production', [look('web1', { current: NEW, history: [line('web1'), line('web1', { id: 'run-3', at: '2030-01-01T14:00:00.000Z', result: 'success', failedStep: undefined })] })]))
    expect(succeeded.message).toMatch(/^nothing to resume: the last deploy of production \(release 20300101T130000-bbbbbbb, .*\) succeeded$/)
    expect(succeeded.hint).toBe('deploy without --resume: berth deploy production')
  })

  it('refuses when the last deploy on these hosts was of another environment, and says how to resume that one', () => {
    const error = refusal(() => findResumePoint('production', [look('web1', { current: OLD, record: record('failed', [...PREPARED]), history: [line('web1', { environment: 'staging' })] })]))
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toBe(`the last deploy on these hosts was of staging (release ${NEW}), not production`)
    expect(error.hint).toBe('to continue it: berth deploy staging --resume')
  })

  it('refuses when the release was removed from a host since (its record and files, or only its files)', () => {
    const gone = refusal(() => findResumePoint('production', [look('web1', { current: OLD, releases: [OLD] })]))
    expect(gone).toBeInstanceOf(StateError)
    expect([gone.exitCode, gone.host, gone.message]).toEqual([1, 'web1', `release ${NEW} of the failed deploy was removed from web1 since (by a cleanup or by hand)`])
    const filesGone = refusal(() => findResumePoint('production', [look('web1', { current: OLD, releases: [OLD], record: record('failed', [...PREPARED]) })]))
    expect(filesGone.message).toContain('was removed from web1')
  })

  it('refuses an incomplete release no record explains (a run killed while uploading)', () => {
    const error = refusal(() => findResumePoint('production', [look('web1', { current: OLD, incomplete: [NEW] })]))
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toContain('is incomplete')
  })
})

describe('the plan of a resume', () => {
  it('shows per host which steps are left out, and runs no local hook of a step no host runs', async () => {
    p = await createFleetProject(2, ['hooks:', '  migrate: [npm run migrate]', '  after_migrate:', '    - { run: echo migrated, local: true }'])
    const point = findResumePoint('production', [
      look('web1', { current: OLD, record: record('failed', [...PREPARED, 'migrate']) }),
      look('web2', { current: OLD, record: record('failed', [...PREPARED, 'migrate']) }),
    ])
    const plan = planDeploy(p.config, { sha: SHA, ref: 'main', release: point.release, hosts: p.config.hosts, repoHooks: new Map(), skip: point.skip, resume: { run: point.run, takenUp: takenUp(point) } })
    const step = (name: string) => plan.steps.find((s) => s.step === name)!
    expect(plan.resume).toEqual({ run: 'run-2', takenUp: ['web1', 'web2'] })
    expect(step('fetch')).toMatchObject({ skipped: ['web1', 'web2'], hosts: { web1: [], web2: [] } })
    expect(step('migrate')).toMatchObject({ skipped: ['web1', 'web2'], localAfter: [] })
    expect(step('switch').skipped).toBeUndefined()
    expect(step('switch').hosts.web1).toHaveLength(1)
  })
})

let p: FleetProject | undefined
afterEach(() => p?.cleanup())

describe('a resume on a fleet of fake hosts', () => {
  it('after a migration failed on one host: same release, no upload, the migration that ran elsewhere is not run again', async () => {
    p = await createFleetProject(3, ['hooks:', '  migrate: [echo migrating]'])
    const first = await deploy(p.config, p.options())
    expect(first.outcome?.ok).toBe(true)
    p.rescript({ host: 'web2', step: 'migrate', reply: { exitCode: 1, stderr: 'migration 42 failed' } })
    await expect(deploy(p.config, p.options())).rejects.toThrow(/failed at step 'migrate'/)
    const failed = p.releases('web1').find((id) => id !== first.outcome!.release)!
    for (const host of p.hosts) expect(JSON.parse(p.read(host, `.berth/releases/${failed}.json`)), host).toMatchObject({ state: 'failed', failedStep: 'migrate' })
    expect(JSON.parse(p.read('web1', `.berth/releases/${failed}.json`)).completed).toContain('migrate')
    expect(JSON.parse(p.read('web2', `.berth/releases/${failed}.json`)).completed).not.toContain('migrate')

    p.rescript()
    const resumed = await deploy(p.config, p.options({ resume: true }))

    expect(resumed.outcome?.ok).toBe(true)
    expect(resumed.outcome?.release).toBe(failed)
    expect(p.fleet.callsAt('migrate').map((c) => c.host)).toEqual(['web2'])
    expect(p.fleet.callsAt('fetch')).toEqual([])
    for (const host of p.hosts) {
      expect(p.live(host), host).toBe(failed)
      expect(JSON.parse(p.read(host, `.berth/releases/${failed}.json`)).state, host).toBe('active')
      expect(p.read(host, '.berth/history.jsonl').trim().split('\n').map((l) => JSON.parse(l) as DeployEntry).at(-1), host).toMatchObject({ result: 'success', release: failed, resumeOf: failed })
    }
  })

  it('the record goes back to preparing while the resume runs, and to failed again when it fails again', async () => {
    p = await createFleetProject(1, ['hooks:', '  migrate: [echo migrating]'])
    await deploy(p.config, p.options())
    p.rescript({ step: 'migrate', reply: { exitCode: 1 } })
    await expect(deploy(p.config, p.options())).rejects.toThrow()
    const failed = p.releases('web1').at(-1)!
    p.rescript({ step: 'migrate', reply: { exitCode: 1 } })
    await expect(deploy(p.config, p.options({ resume: true }))).rejects.toThrow()
    const resumeCalls = p.fleet.callsAt('resume')
    expect(resumeCalls).toHaveLength(1)
    expect(resumeCalls[0]!.command).toContain('"state":"preparing"')
    expect(JSON.parse(p.read('web1', `.berth/releases/${failed}.json`))).toMatchObject({ state: 'failed', failedStep: 'migrate' })
    expect(p.read('web1', `releases/${failed}/REVISION`).trim()).toMatch(/^[0-9a-f]{40}$/)
  })
})
