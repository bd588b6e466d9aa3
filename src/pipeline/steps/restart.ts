/** restart: the config's `restart` hooks, per rollout batch, after the switch. */
import { transition } from '../deploy-host.js'
import type { StepDef } from './types.js'

// A host whose app was restarted (or checked) on the new release is restarted again if it goes back.
export const restartStep: StepDef = { name: 'restart', segment: 'go-live', hookStarting: (host) => transition.goingLive(host) }
