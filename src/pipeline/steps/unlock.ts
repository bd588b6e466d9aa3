/**
 * unlock: append this run's line to the host's history and free the lock (only if it is
 * still ours: the token is checked on the host). Runs after a failed deploy too, on every
 * host the run locked.
 */
import { script } from '../../remote/script.js'
import { appendHistory, appendHistoryLine } from '../../remote/history.js'
import { releaseLock } from '../../remote/lock.js'
import type { StepDef } from './types.js'

export const unlockStep: StepDef = {
  name: 'unlock',
  segment: 'close',
  alsoOnFailure: true,
  builtin: {
    describe: () => 'record history and release the lock',
    bestEffort: (host) => `could not release the lock on ${host}`,
    command(input, facts) {
      const history = facts?.history ? appendHistory(input.layout, facts.history) : appendHistoryLine(input.layout, "<this run's history line>")
      return script(history, releaseLock(input.layout, input.holder.token))
    },
    joinsPrevious: true,
  },
}
