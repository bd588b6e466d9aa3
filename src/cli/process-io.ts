/**
 * The real process as the CLI sees it: its streams, made safe to write to once closed,
 * and its signals turned into the one AbortSignal the core honours. SIGINT, SIGTERM and
 * SIGHUP all stop a run the same way: the core reverts or completes what it started,
 * frees its locks and writes history, and only then does the process exit, with 128 + the
 * signal's number (README, "Signals and closed output").
 */
import { constants } from 'node:os'
import { createSafeWriter } from '../ui/safe-write.js'
import type { CliIO } from './session.js'

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
type StopSignal = (typeof STOP_SIGNALS)[number]

const VERB: Record<StopSignal, string> = { SIGINT: 'interrupted', SIGTERM: 'terminated', SIGHUP: 'hung up' }

/** 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP: what a shell reports for a process killed by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0)
}

export function processIO(): CliIO {
  const controller = new AbortController()
  const stdout = createSafeWriter(process.stdout)
  const stderr = createSafeWriter(process.stderr)
  let received: StopSignal | undefined
  let hasSaidWait = false
  const onSignal = (signal: StopSignal): void => {
    if (received !== undefined) {
      // Exiting now would leave the lock held and a release half made: the cleanup is short, and it finishes.
      if (!hasSaidWait) stderr(`berth: ${signal} again: still cleaning up (reverting, freeing the lock, writing history); please wait (kill -9 ${process.pid} would leave the lock held)\n`)
      hasSaidWait = true
      return
    }
    received = signal
    stderr(`\nberth: ${VERB[signal]}: stopping and releasing the lock…\n`)
    controller.abort()
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
  return {
    stdout,
    stderr,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    secretValues: [],
    stoppedBy: () => received,
  }
}
