/**
 * berth's library API: everything the CLI does, callable from code. The CLI in `cli/` is
 * one client of these functions.
 */
export { defineConfig, loadConfig, resolveEnvironment, findConfigFile } from './config/index.js'
export type { LoadConfigOptions, LoadedConfig, ResolveOptions, UserConfig } from './config/index.js'
export type { ResolvedConfig, HostConfig, HookEntry, HookName, Step } from './config/types.js'
export { deploy, type DeployOptions, type DeployResult } from './pipeline/deploy.js'
export { planDeploy, type DeployPlan, type PlannedStep, type PlannedAction } from './pipeline/plan.js'
export { rollback, type RollbackOptions, type RollbackOutcome } from './pipeline/rollback.js'
export { setup } from './pipeline/setup.js'
export { checkHosts, type HostCheck } from './pipeline/check.js'
export { runAdhoc, type AdhocResult } from './pipeline/adhoc.js'
export { listReleases, getStatus, getHistory } from './pipeline/queries.js'
export { lockEnvironment, unlockEnvironment } from './pipeline/manual-lock.js'
export type { RunOptions } from './pipeline/context.js'
export type { BerthEvent, Reporter, HostOutcome } from './events.js'
export type { Transport, ExecOptions, ExecResult } from './transport/types.js'
export * from './errors.js'
