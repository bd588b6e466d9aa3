/**
 * The script of a `FakeFleet` (see `fake.ts`): rules matched in order on the host, the step
 * and how many such calls came before, never on the command text; and what a scripted
 * answer does, shaped exactly like what a real command that failed, hung or lost its
 * connection would give berth.
 */
import type { Readable } from 'node:stream'
import { RemoteCommandError, TransportError } from '../errors.js'
import type { ExecOptions, ExecResult } from './types.js'

/** What a scripted call does instead of running. */
export type FakeReply =
  /**
   * Ends at once with this exit code and output, as if the command had run. With
   * `isRunFirst`, the command does run (for real) first: the change happened, the answer was lost.
   */
  | { exitCode: number; stdout?: string; stderr?: string; isRunFirst?: boolean }
  /** Never ends by itself: only the call's abort signal or timeout stops it. */
  | { hang: true }
  /** The host cannot be reached (at `connect`) or the connection dropped (any other step). */
  | { unreachable: string }

export interface FakeRule {
  /** Only commands on this host (its name in the config). */
  host?: string
  /** Only commands of this step; `connect` is the connection, and only rules naming it match it. */
  step?: string
  /** Only the nth call (1-based) that matches `host` and `step`, counted across the fleet. */
  nth?: number
  /** Every call from the nth (1-based) on that matches `host` and `step`. @default 1 */
  from?: number
  reply: FakeReply
}

export interface FakeCall {
  host: string
  /** `ExecOptions.step`, or `connect` for a connection attempt. */
  step: string | undefined
  /** Every step the command carries (`ExecOptions.steps`, else just `step`). */
  steps: readonly string[]
  /** The command text: for reading in a failing test's output, not for matching. */
  command: string
  hasStdin: boolean
  /** Which rule answered it (its index in the script), or null when it ran for real. */
  rule: number | null
  /** How it ended; absent while it is still running. */
  ended?: 'ok' | 'failed' | 'interrupted' | 'timed out'
}

export class FakeScript {
  private readonly rules: { rule: FakeRule; seen: number }[] = []

  add(rules: FakeRule[]): void {
    for (const rule of rules) this.rules.push({ rule, seen: 0 })
  }

  clear(): void {
    this.rules.length = 0
  }

  /**
   * Counts the call against every rule it fits (so `nth` means the nth such call, whichever
   * rule answered the earlier ones), then answers with the first rule whose count matches.
   */
  answer(call: FakeCall): FakeReply | null {
    let answer: FakeReply | null = null
    for (const [index, entry] of this.rules.entries()) {
      const { rule } = entry
      if (rule.host !== undefined && rule.host !== call.host) continue
      if (rule.step === undefined ? call.step === 'connect' : !carries(call, rule.step)) continue
      entry.seen += 1
      const inWindow = rule.nth !== undefined ? entry.seen === rule.nth : entry.seen >= (rule.from ?? 1)
      if (inWindow && answer === null) {
        answer = rule.reply
        call.rule = index
      }
    }
    return answer
  }
}

/** Carries out a scripted answer to a command: the result, or the error a real transport would give. */
export async function playReply(call: FakeCall, reply: FakeReply, options: ExecOptions, display: string): Promise<ExecResult> {
  if ('unreachable' in reply) {
    throw new TransportError(`connection to ${call.host} lost: ${reply.unreachable}`, { host: call.host, ...(options.step === undefined ? {} : { step: options.step }) })
  }
  if ('hang' in reply) return hang(call, options, display)
  const result: ExecResult = { exitCode: reply.exitCode, signal: null, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', timedOut: false, durationMs: 0 }
  const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')
  for (const line of lines(result.stdout)) options.onLine?.('stdout', line)
  for (const line of lines(result.stderr)) options.onLine?.('stderr', line)
  if (result.exitCode !== 0 && options.allowFailure !== true) {
    throw new RemoteCommandError({ host: call.host, step: options.step, command: display, exitCode: result.exitCode, signal: null, outputTail: lines(result.stderr).slice(-20) })
  }
  return result
}

/** Waits for the call's abort signal or timeout, then fails the way a killed command does. */
export function hang(call: FakeCall, options: Pick<ExecOptions, 'signal' | 'timeoutMs' | 'step'>, display: string): Promise<never> {
  return new Promise<never>((_, reject) => {
    const stop = (timedOut: boolean): void => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      reject(new RemoteCommandError({ host: call.host, step: options.step, command: display, exitCode: null, signal: timedOut ? null : 'interrupt', outputTail: [], timedOut }))
    }
    const onAbort = (): void => stop(false)
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop(true), options.timeoutMs)
    if (options.signal?.aborted) return stop(false)
    options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** How a call that threw ended, for the record. */
export function endingOf(error: unknown): NonNullable<FakeCall['ended']> {
  if (!(error instanceof RemoteCommandError)) return 'failed'
  return error.signal === 'interrupt' ? 'interrupted' : error.timedOut ? 'timed out' : 'failed'
}

/** A scripted call reads none of its stdin: let the stream flow so its producer is not stuck. */
export function drain(stdin: ExecOptions['stdin']): void {
  if (stdin !== undefined && typeof stdin !== 'string' && !Buffer.isBuffer(stdin)) (stdin as Readable).resume()
}

/** The call is (or carries the work of) that step. */
export function carries(call: FakeCall, step: string): boolean {
  return call.step === step || call.steps.includes(step)
}
