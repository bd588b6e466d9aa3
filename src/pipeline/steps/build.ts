/** build: the config's `build` hooks on the hosts (installing dependencies, say). */
import type { StepDef } from './types.js'

export const buildStep: StepDef = { name: 'build', segment: 'prepare' }
