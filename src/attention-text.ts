/**
 * The sentence at the end of a run saying whether anything needs a person, worded from
 * the facts the core found (`attention.ts`). It is also the `destructive` field of the
 * `run:summary` event, so its wording is part of what scripts may match: keep it stable.
 */
import type { Attention, AttentionFact } from './attention.js'

/** Start of the sentence when a run failed without changing what any host runs. */
export const NOTHING_DESTRUCTIVE = 'nothing destructive happened'

export function describeAttention(attention: Attention, command: string): string {
  if (attention.facts.length === 0) return 'nothing needs a person'
  return attention.facts.map((fact) => describeFact(fact, command)).join('; ')
}

function describeFact(fact: AttentionFact, command: string): string {
  switch (fact.kind) {
    case 'unchanged':
      return `${NOTHING_DESTRUCTIVE}: every host is on ${command === 'rollback' ? 'the release it had' : 'its previous release'}`
    case 'stayed-on-previous':
      return `deployed to ${fact.live.length} of ${fact.total} hosts; ${fact.hosts.join(', ')} stayed on the previous release`
    case 'live-on-some':
      return `new code is live on ${fact.hosts.length} of ${fact.total} hosts (${fact.hosts.join(', ')}): a person must decide`
    case 'rolled-back':
      return `the new release went live on ${fact.hosts.join(', ')} and was rolled back`
    case 'migrations-ran':
      return `migrations ran (${fact.hosts.join(', ')}): the database may be ahead of the live code`
    case 'rollback-stopped':
      return `rollback stopped: ${fact.hosts.join(', ')} switched to ${fact.release}; check the hosts above`
    case 'setup-stopped':
      return 'setup stopped: run it again once fixed (it is idempotent)'
  }
}
