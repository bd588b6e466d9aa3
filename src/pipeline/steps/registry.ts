/**
 * The steps of a deploy, in the order they run. Everything else (the plan, the executor,
 * the summary) reads this list; a new step is a module and a line here.
 */
import { buildStep } from './build.js'
import { cleanupStep } from './cleanup.js'
import { fetchStep } from './fetch.js'
import { linkStep } from './link.js'
import { lockStep } from './lock.js'
import { migrateStep } from './migrate.js'
import { releaseStep } from './release.js'
import { restartStep } from './restart.js'
import type { Step } from '../../config/types.js'
import type { StepDef } from './types.js'
import { switchStep } from './switch.js'
import { unlockStep } from './unlock.js'
import { verifyStep } from './verify.js'

export const DEPLOY_STEPS: readonly StepDef[] = [
  lockStep,
  fetchStep,
  releaseStep,
  linkStep,
  buildStep,
  migrateStep,
  switchStep,
  restartStep,
  verifyStep,
  cleanupStep,
  unlockStep,
]

/** A step's definition by name. */
export function stepDef(name: Step): StepDef {
  return DEPLOY_STEPS.find((def) => def.name === name)!
}
