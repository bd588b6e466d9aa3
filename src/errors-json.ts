/**
 * Errors as plain JSON values, for `--json` and anything else that carries the core's events
 * or results off this process (a web page, a webhook): stable fields a CI script can match on
 * (`code`, `host`, `step`, `exitCode`) plus each class's own details. No class instances
 * and no stacks: stacks are for `--verbose` on a terminal, and they would make every
 * line of a CI log differ between berth versions.
 */
import { BerthError, ConfigError, HookError, HostsFailedError, LockHeldError, RemoteCommandError, type LockHolder } from './errors.js'

export interface SerializedError {
  name: string
  code: string
  message: string
  exitCode: number
  host?: string
  step?: string
  hint?: string
  [detail: string]: unknown
}

/** Converts an error (and its cause chain, up to 10 deep) into a JSON-safe object. */
export function serializeError(error: BerthError, depth = 0): SerializedError {
  const out: SerializedError = { name: error.name, code: error.code, message: error.message, exitCode: error.exitCode }
  if (error.host !== undefined) out.host = error.host
  if (error.step !== undefined) out.step = error.step
  if (error.hint !== undefined) out.hint = error.hint
  Object.assign(out, classDetails(error, depth))
  if (error.cause !== undefined && depth < 10 && !('cause' in out)) out.cause = serializeCause(error.cause, depth + 1)
  return out
}

function classDetails(error: BerthError, depth: number): Record<string, unknown> {
  if (error instanceof RemoteCommandError) {
    return {
      command: error.command,
      commandExitCode: error.commandExitCode,
      signal: error.signal,
      timedOut: error.timedOut,
      outputTail: error.outputTail,
    }
  }
  if (error instanceof ConfigError) return { issues: error.issues.map((issue) => ({ ...issue })) }
  if (error instanceof HookError) return { hook: error.hook }
  if (error instanceof LockHeldError) return { holder: publicHolder(error.holder), stale: error.stale, ...(error.hooks.length > 0 ? { hooks: error.hooks } : {}) }
  if (error instanceof HostsFailedError) return { errors: error.errors.map((e) => serializeError(e, depth + 1)) }
  return {}
}

/** The token proves ownership of the lock, so it stays out of logs; the gate is berth's own business. */
function publicHolder(holder: LockHolder | null): Omit<LockHolder, 'token' | 'gate'> | null {
  if (holder === null) return null
  const { token: _token, gate: _gate, ...rest } = holder
  return rest
}

function serializeCause(cause: unknown, depth: number): unknown {
  if (cause instanceof BerthError) return serializeError(cause, depth)
  if (cause instanceof Error) return { name: cause.name, message: cause.message }
  return String(cause)
}
