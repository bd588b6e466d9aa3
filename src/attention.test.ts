import { describe, expect, it } from 'vitest'
import { assessDeploy, assessRollback, assessSetup, type DeployHostFacts } from './attention.js'

const host = (name: string, facts: Partial<DeployHostFacts> = {}): DeployHostFacts => ({ host: name, live: false, rolledBack: false, migrated: false, failed: false, ...facts })

describe('assessDeploy', () => {
  it('needs nobody when every host went through', () => {
    expect(assessDeploy([host('web1', { live: true })], { ok: true, stopped: false })).toEqual({ level: 'none', facts: [] })
  })

  it('says nothing changed when a stopped deploy left every host where it was', () => {
    expect(assessDeploy([host('web1', { failed: true }), host('web2')], { ok: false, stopped: true })).toEqual({ level: 'none', facts: [{ kind: 'unchanged' }] })
  })

  it('asks a person to decide when the new code is live on some hosts only, or migrations ran', () => {
    const hosts = [host('web1', { live: true, migrated: true }), host('web2', { rolledBack: true }), host('web3', { failed: true })]
    expect(assessDeploy(hosts, { ok: false, stopped: true })).toEqual({
      level: 'decide',
      facts: [
        { kind: 'live-on-some', hosts: ['web1'], total: 3 },
        { kind: 'rolled-back', hosts: ['web2'] },
        { kind: 'migrations-ran', hosts: ['web1'] },
      ],
    })
  })

  it('asks to check the failed hosts when the deploy carried on past them', () => {
    const hosts = [host('web1', { live: true }), host('web2', { failed: true }), host('web3', { live: true })]
    expect(assessDeploy(hosts, { ok: false, stopped: false })).toEqual({
      level: 'check',
      facts: [{ kind: 'stayed-on-previous', hosts: ['web2'], live: ['web1', 'web3'], total: 3 }],
    })
  })

  it('asks only to check when a failure was rolled back everywhere', () => {
    expect(assessDeploy([host('web1', { rolledBack: true, failed: true })], { ok: false, stopped: true })).toEqual({ level: 'check', facts: [{ kind: 'rolled-back', hosts: ['web1'] }] })
  })
})

describe('assessRollback', () => {
  it('names the hosts that switched before the rollback stopped', () => {
    const outcomes = [
      { host: 'web1', live: 'r1', switched: true },
      { host: 'web2', live: 'r2', switched: false },
    ]
    expect(assessRollback(false, outcomes)).toEqual({ level: 'check', facts: [{ kind: 'rollback-stopped', hosts: ['web1'], release: 'r1' }] })
    expect(assessRollback(false, [{ host: 'web1', live: 'r2', switched: false }])).toEqual({ level: 'none', facts: [{ kind: 'unchanged' }] })
    expect(assessRollback(true, outcomes)).toEqual({ level: 'none', facts: [] })
  })
})

describe('assessSetup', () => {
  it('asks to run setup again when it stopped', () => {
    expect(assessSetup(false)).toEqual({ level: 'check', facts: [{ kind: 'setup-stopped' }] })
    expect(assessSetup(true)).toEqual({ level: 'none', facts: [] })
  })
})
