/**
 * fetch: create the new release's directory and record (state `preparing`), let the
 * delivery strategy fill it (an upload stream, or a git archive on the host), and write
 * its `REVISION`: the release is complete for every hook that follows.
 */
import { RemoteCommandError } from '../../errors.js'
import { createRelease, writeRevision } from '../../remote/release.js'
import { EXIT } from '../../remote/exit-codes.js'
import { sequence } from '../../remote/script.js'
import { transition } from '../deploy-host.js'
import { markFailed } from './mark-failed.js'
import type { StepDef } from './types.js'

export const fetchStep: StepDef = {
  name: 'fetch',
  segment: 'prepare',
  builtin: {
    completesAlone: true,
    describe: (input) => `${input.delivery.describe(input.release)}, write REVISION`,
    command: (input, facts) =>
      sequence(
        createRelease(input.layout, input.newRecord),
        facts?.delivery?.command ?? input.delivery.preview(input.layout, input.release),
        writeRevision(input.layout, input.release, input.sha),
      ),
    stdin: (facts) => facts.delivery?.stdin,
    // A redeploy's stream is mostly the file list: the ssh process it would start cost more.
    hasPlainInput: true,
    isLong: (facts) => facts.delivery?.isLong === true,
    display: (_input, facts) => facts.delivery?.display,
    starting: (_ctx, facts, input) => transition.creating(facts.host, input.newRecord),
    failed(error, facts) {
      // A directory of that name was already there: it (and its record) belong to another run.
      if (error instanceof RemoteCommandError && error.commandExitCode === EXIT.releaseExists) transition.notCreated(facts.host)
    },
    done(ctx, facts) {
      const sent = facts.delivery?.sent
      if (sent) ctx.report({ kind: 'upload:progress', host: facts.host.host.name, bytes: sent.bytes, files: sent.files })
    },
  },
  // A release that did not go live is kept for inspection, marked failed; one whose fetch
  // round trip did not finish is incomplete, and is removed (its record stays).
  revert: (ctx, host, input) =>
    host.created && !host.rolledBack ? markFailed(ctx, host, input, { isPartial: !host.builtinDone.includes('fetch') }) : Promise.resolve(),
}
