/**
 * Runs the real CLI (the built bundle, bin/berth.js) as a child process for one machine id
 * and does the damage asked for while it runs: a signal after a delay or when a given step
 * starts, or its stdout closed after the first bytes (`berth … | head -1`). With `--json`
 * every event is parsed as it arrives, so the torture knows which step a signal landed in.
 */
import { spawn } from 'node:child_process'
import { BIN } from '../test/helpers/project.js'
import { descendantsOf, isAlive } from '../test/helpers/sshd-process.js'

export type Damage =
  | { kind: 'none' }
  | { kind: 'signal'; signal: NodeJS.Signals; afterMs: number }
  | { kind: 'signal-at-step'; signal: NodeJS.Signals; step: string; afterMs: number }
  /** `berth … | head -N`; with `stderrToo`, `berth … 2>&1 | head -N`. */
  | { kind: 'close-stdout'; afterLines: number; stderrToo: boolean }

interface RunEvent {
  kind: string
  step?: string
  host?: string
  status?: string
  message?: string
  level?: string
  outcomes?: { host: string; live: string | null; switched: boolean; failedStep?: string; error?: { code?: string; message?: string } }[]
  ok?: boolean
}

export interface RunResult {
  code: number | null
  /** The signal the child died of (only SIGKILL cannot be handled). */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  events: RunEvent[]
  summary: RunEvent | null
  /** The damage done, if it happened before the run ended: which signal, in which step. */
  hit: { what: string; step: string } | null
  /** This run's processes (ssh clients, local hooks) still alive after it exited and then killed. */
  leftovers: number
  /** Still running after the time limit: killed. */
  hung: boolean
  ms: number
}

export interface RunSpec {
  args: string[]
  cwd: string
  env: NodeJS.ProcessEnv
  damage: Damage
  /** Called on every parsed event (the sshd killer watches for the upload). */
  onEvent?: (event: RunEvent) => void
  timeoutMs?: number
}

/**
 * Where a run is, from its events: each step as it starts, plus the moments inside the
 * close no step event marks: the first host switched (`switched`), the restart done (the
 * close: cleanup, history, unlock), a release removed (`cleanup`).
 */
export const LANDMARKS = ['connect', 'fetch', 'link', 'build', 'migrate', 'switch', 'switched', 'restart', 'closing', 'cleanup'] as const

function landmark(event: RunEvent, current: string): string | null {
  if (event.kind === 'step:start' && event.step !== undefined) return event.step
  if (event.kind === 'release:switched' && current === 'switch') return 'switched'
  if (event.kind === 'step:done' && event.step === 'restart') return 'closing'
  if (event.kind === 'release:removed' && current !== 'cleanup') return 'cleanup'
  return null
}

export function runBerth(spec: RunSpec): Promise<RunResult> {
  const started = Date.now()
  const child = spawn(process.execPath, [BIN, ...spec.args], { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const result: RunResult = { code: null, signal: null, stdout: '', stderr: '', events: [], summary: null, hit: null, leftovers: 0, hung: false, ms: 0 }
  let step = 'start-up'
  let exited = false
  let linesSeen = 0
  let family: number[] = []
  const strike = (what: NodeJS.Signals | 'close-stdout'): void => {
    if (exited || result.hit !== null) return
    family = descendantsOf(child.pid!)
    result.hit = { what, step: what === 'close-stdout' && result.events.length === 0 ? `output line ${linesSeen}` : step }
    if (what === 'close-stdout') {
      child.stdout.destroy()
      if (spec.damage.kind === 'close-stdout' && spec.damage.stderrToo) child.stderr.destroy()
    }
    else child.kill(what)
  }
  let pending = ''
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    result.stdout += text
    const damage = spec.damage
    if (damage.kind === 'close-stdout') {
      linesSeen += text.split('\n').length - 1
      if (linesSeen >= damage.afterLines) strike('close-stdout')
      return
    }
    pending += text
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  })
  const onLine = (line: string): void => {
    if (!line.startsWith('{')) return
    let event: RunEvent
    try {
      event = JSON.parse(line) as RunEvent
    } catch {
      return
    }
    result.events.push(event)
    if (event.kind === 'run:summary') result.summary = event
    const reached = landmark(event, step)
    if (reached !== null) {
      step = reached
      const damage = spec.damage
      if (damage.kind === 'signal-at-step' && damage.step === step) setTimeout(() => strike(damage.signal), damage.afterMs)
    }
    spec.onEvent?.(event)
  }
  child.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()))
  const damage = spec.damage
  const timers = [setTimeout(() => ((result.hung = true), strike('SIGKILL')), spec.timeoutMs ?? 120_000)]
  if (damage.kind === 'signal') timers.push(setTimeout(() => strike(damage.signal), damage.afterMs))
  return new Promise((resolve) => {
    child.on('close', async (code, signal) => {
      exited = true
      for (const timer of timers) clearTimeout(timer)
      result.code = code
      result.signal = signal
      result.ms = Date.now() - started
      // A killed CLI cannot stop its ssh clients: give the others a moment to finish theirs,
      // then count and end whatever is left, so no run outlives its turn.
      if (family.length > 0) {
        await new Promise((r) => setTimeout(r, signal === 'SIGKILL' ? 200 : 1500))
        for (const pid of family) {
          if (isAlive(pid)) {
            result.leftovers++
            try {
              process.kill(pid, 'SIGKILL')
            } catch {
              // gone meanwhile
            }
          }
        }
      }
      resolve(result)
    })
  })
}
