import { describe, expect, it } from 'vitest'
import { assessDeploy, assessRollback, assessSetup, type DeployHostFacts } from './attention.js'
import { describeAttention } from './attention-text.js'

const host = (name: string, facts: Partial<DeployHostFacts> = {}): DeployHostFacts => ({ host: name, live: false, rolledBack: false, migrated: false, failed: false, ...facts })

// The sentences are part of the `--json` output (`destructive`) and of what people have
// learnt to read: these are the exact words berth has always printed.
describe('describeAttention', () => {
  it('words each deploy outcome', () => {
    const say = (hosts: DeployHostFacts[], run: { ok: boolean; stopped: boolean }): string => describeAttention(assessDeploy(hosts, run), 'deploy')
    expect(say([host('web1', { live: true })], { ok: true, stopped: false })).toBe('nothing needs a person')
    expect(say([host('web1', { failed: true })], { ok: false, stopped: true })).toBe('nothing destructive happened: every host is on its previous release')
    expect(say([host('web1', { live: true }), host('web2', { failed: true }), host('web3', { failed: true })], { ok: false, stopped: false })).toBe(
      'deployed to 1 of 3 hosts; web2, web3 stayed on the previous release',
    )
    expect(say([host('web1', { live: true, migrated: true }), host('web2', { rolledBack: true, migrated: true }), host('web3', { failed: true })], { ok: false, stopped: true })).toBe(
      'new code is live on 1 of 3 hosts (web1): a person must decide; the new release went live on web2 and was rolled back; migrations ran (web1, web2): the database may be ahead of the live code',
    )
  })

  it('words rollback and setup outcomes', () => {
    expect(describeAttention(assessRollback(false, [{ host: 'web1', live: 'r1', switched: true }, { host: 'web2', live: 'r1', switched: true }]), 'rollback')).toBe(
      'rollback stopped: web1, web2 switched to r1; check the hosts above',
    )
    expect(describeAttention(assessRollback(false, [{ host: 'web1', live: 'r2', switched: false }]), 'rollback')).toBe('nothing destructive happened: every host is on the release it had')
    expect(describeAttention(assessSetup(false), 'setup')).toBe('setup stopped: run it again once fixed (it is idempotent)')
  })
})
