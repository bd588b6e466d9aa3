/**
 * release: the new release is complete on the host (its tree and `REVISION`, written by
 * the fetch step): the step of the `before_release`/`after_release` hooks.
 */
import type { StepDef } from './types.js'

export const releaseStep: StepDef = { name: 'release', segment: 'prepare' }
