import { describe, expect, it } from 'vitest'
import { parseHostState } from '../release/host-state.js'
import { pickRelease } from './promote-pick.js'

const R1 = '20300101T120001-aaaaaaa'
const R2 = '20300101T120002-bbbbbbb'
const A = 'a'.repeat(64)

/** A host as `inspectHost` reports it: `current`, complete releases and their records. */
function host(name: string, current: string | null, releases: Record<string, { state?: string; artifact?: string }>) {
  const lines = [current === null ? '' : `@current releases/${current}`]
  for (const [id, record] of Object.entries(releases)) {
    lines.push(`@release ${id}`, `@revision-file ${id}`)
    lines.push(`@record ${id} ${JSON.stringify({ release: id, state: record.state ?? 'ready', revision: 'f'.repeat(40), ref: 'main', createdAt: '', updatedAt: '', deployedBy: '', artifact: record.artifact ?? A })}`)
  }
  return { name, state: parseHostState(lines.join('\n')) }
}

describe('pickRelease', () => {
  it('takes the release live on every host, with its record', () => {
    const picked = pickRelease('staging', [host('web1', R1, { [R1]: { state: 'active' } }), host('web2', R1, { [R1]: { state: 'active' } })])
    expect(picked.release).toBe(R1)
    expect(picked.record).toMatchObject({ revision: 'f'.repeat(40), ref: 'main', artifact: A })
  })

  it('refuses hosts that disagree, naming each with its live release', () => {
    const hosts = [host('web1', R2, { [R1]: {}, [R2]: {} }), host('web2', R1, { [R1]: {} }), host('web3', null, { [R1]: {} })]
    expect(() => pickRelease('staging', hosts)).toThrow(`the staging hosts do not agree on the live release (web1 → ${R2}, web2 → ${R1}, web3 → nothing): not promoting`)
  })

  it('with --release: takes it when every host holds it complete, else names the hosts that do not', () => {
    const hosts = [host('web1', R2, { [R1]: {}, [R2]: {} }), host('web2', R1, { [R1]: {} })]
    expect(pickRelease('staging', hosts, R1).release).toBe(R1)
    expect(() => pickRelease('staging', hosts, R2)).toThrow(`release ${R2} is not complete on staging host web2`)
  })

  it('refuses a failed release, an empty environment and hosts holding different trees under one name', () => {
    expect(() => pickRelease('staging', [host('web1', R2, { [R1]: { state: 'failed' }, [R2]: {} })], R1)).toThrow(`release ${R1} failed on staging host web1`)
    expect(() => pickRelease('staging', [host('web1', null, {})])).toThrow('no release is live on staging')
    const other = host('web2', R1, { [R1]: { artifact: 'b'.repeat(64) } })
    expect(() => pickRelease('staging', [host('web1', R1, { [R1]: {} }), other])).toThrow(`the staging hosts hold different trees under the name ${R1}`)
  })
})
