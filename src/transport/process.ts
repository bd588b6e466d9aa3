/**
 * Runs one child process the way every transport needs it: stdin fed from a stream,
 * output split into lines as it arrives, a timeout and an abort signal that kill the
 * whole process group, and a `RemoteCommandError` on failure. `local` and `ssh` differ
 * only in the argv they spawn.
 */
import { spawn } from 'node:child_process'
import { Readable } from 'node:stream'
import { RemoteCommandError } from '../errors.js'
import type { ExecOptions, ExecResult, OutputStream } from './types.js'

/** Output kept for the result; beyond this only the tail is kept (errors need the tail). */
const MAX_CAPTURE = 8 * 1024 * 1024
const TAIL_LINES = 20
/** Grace period between SIGTERM and SIGKILL when a command is stopped. */
const KILL_GRACE_MS = 2000

export interface SpawnSpec {
  file: string
  args: string[]
  env: NodeJS.ProcessEnv
  cwd?: string
}

export function runProcess(host: string, spec: SpawnSpec, display: string, options: ExecOptions): Promise<ExecResult> {
  const started = performance.now()
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(spec.file, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group, so a timeout or Ctrl-C can stop the command and its children.
      detached: true,
    })
    const captured: Record<OutputStream, string[]> = { stdout: [], stderr: [] }
    const sizes: Record<OutputStream, number> = { stdout: 0, stderr: 0 }
    const tail: string[] = []
    let timedOut = false
    let aborted = false
    let killTimer: NodeJS.Timeout | undefined

    const stop = (): void => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
      killTimer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }, KILL_GRACE_MS)
      killTimer.unref()
    }
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), stop()), options.timeoutMs)
    const onAbort = (): void => {
      aborted = true
      stop()
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    if (options.signal?.aborted) onAbort()

    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = ''
      child[stream].setEncoding('utf8')
      child[stream].on('data', (chunk: string) => {
        if (sizes[stream] < MAX_CAPTURE) captured[stream].push(chunk)
        sizes[stream] += chunk.length
        const lines = (partial + chunk).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) emitLine(stream, line)
      })
      child[stream].on('end', () => {
        if (partial !== '') emitLine(stream, partial)
        partial = ''
      })
    }
    function emitLine(stream: OutputStream, line: string): void {
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
      options.onLine?.(stream, line)
    }

    // A command that exits without reading all of stdin closes the pipe: not our error.
    child.stdin.on('error', () => {})
    feedStdin(child.stdin, options.stdin)

    child.on('error', (error) => {
      cleanup()
      reject(
        new RemoteCommandError({
          host,
          step: options.step,
          command: display,
          exitCode: null,
          signal: null,
          outputTail: [error.message],
        }),
      )
    })
    // A stopped ssh client may have handed its pipes to its master (ControlMaster), which
    // keeps them open until the remote command ends (one with input has no watchdog): once
    // the client is gone, Ctrl-C or a timeout waits no longer.
    child.on('exit', () => {
      if (!aborted && !timedOut) return
      child.stdout.destroy()
      child.stderr.destroy()
    })
    child.on('close', (code, signal) => {
      cleanup()
      const result: ExecResult = {
        exitCode: code,
        signal: signal,
        stdout: captured.stdout.join(''),
        stderr: captured.stderr.join(''),
        timedOut,
        durationMs: performance.now() - started,
      }
      if ((code === 0 && !timedOut && !aborted) || (options.allowFailure === true && !aborted)) {
        resolve(result)
        return
      }
      reject(
        new RemoteCommandError({
          host,
          step: options.step,
          command: display,
          exitCode: code,
          signal: aborted ? 'interrupt' : signal,
          outputTail: [...tail],
          timedOut,
        }),
      )
    })

    function cleanup(): void {
      if (timer) clearTimeout(timer)
      if (killTimer) clearTimeout(killTimer)
      options.signal?.removeEventListener('abort', onAbort)
    }
  })
}

function feedStdin(stdin: NodeJS.WritableStream, input: ExecOptions['stdin']): void {
  if (input === undefined) {
    stdin.end()
  } else if (typeof input === 'string' || Buffer.isBuffer(input)) {
    stdin.end(input)
  } else {
    ;(input as Readable).pipe(stdin)
  }
}
