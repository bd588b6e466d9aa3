/** restart: the config's `restart` hooks, per rollout batch, after the switch. */
import type { StepDef } from './types.js'

export const restartStep: StepDef = { name: 'restart', segment: 'go-live' }
