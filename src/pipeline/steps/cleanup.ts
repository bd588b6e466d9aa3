/**
 * cleanup: keep the newest `keepReleases` good releases; failed ones do not count, and
 * the live one and the last good one before it are never removed (`../retention.ts`).
 * It runs only after a deploy succeeded, and a failure there is a warning.
 */
import { REMOVAL_FAILED, tryRemoveReleases } from '../../remote/release.js'
import type { DeployHost } from '../deploy-host.js'
import { releasesToRemove } from '../retention.js'
import type { StepDef, StepInput } from './types.js'

/** Which releases go on a host, now that the new release is live there. */
function releasesToRemoveOn(host: DeployHost, input: StepInput): string[] {
  const state = host.state
  if (!state) return []
  const records = new Map(state.records)
  if (host.record) records.set(input.release, host.record)
  return releasesToRemove({ releases: [...new Set([...state.releases, input.release])], records, current: input.release, keep: input.config.keepReleases })
}

export const cleanupStep: StepDef = {
  name: 'cleanup',
  segment: 'close',
  builtin: {
    describe: ({ config }) => `keep the newest ${config.keepReleases} good releases, remove failed ones`,
    command(input, facts) {
      if (facts === null) return `rm -rf <releases beyond the newest ${input.config.keepReleases} good ones, and failed ones>`
      const remove = releasesToRemoveOn(facts.host, input)
      return remove.length === 0 ? null : tryRemoveReleases(input.layout, remove)
    },
    bestEffort: () => 'cleanup failed (the deploy itself succeeded)',
    done(ctx, facts, input, stderr) {
      // The removal may fail without failing the round trip (the unlock rides in it): then it says so, and nothing went.
      if (stderr.includes(REMOVAL_FAILED)) return
      for (const id of releasesToRemoveOn(facts.host, input)) ctx.report({ kind: 'release:removed', host: facts.host.host.name, release: id })
    },
  },
}
