/** verify: the config's `verify` hooks (commands, http checks); a failure puts the batch back. */
import type { StepDef } from './types.js'

export const verifyStep: StepDef = { name: 'verify', segment: 'go-live' }
