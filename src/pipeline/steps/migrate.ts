/** migrate: the config's `migrate` hooks (usually `once`, on the primary). */
import { transition } from '../deploy-host.js'
import type { StepDef } from './types.js'

export const migrateStep: StepDef = {
  name: 'migrate',
  segment: 'prepare',
  // Once a migration has started, the database may be ahead of the live code.
  hookStarting: (host) => transition.migrating(host),
}
