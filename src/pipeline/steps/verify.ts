/** verify: the config's `verify` hooks (commands, http checks); a failure puts the batch back. */
import { transition } from '../deploy-host.js'
import type { StepDef } from './types.js'

// A host whose app was restarted (or checked) on the new release is restarted again if it goes back.
export const verifyStep: StepDef = { name: 'verify', segment: 'go-live', hookStarting: (host) => transition.goingLive(host) }
