/**
 * The one master connection (`ssh -M`) a host gets per run. It is our own child, not a
 * `-f` daemon, so its exit is seen the moment the host or network drops it, and it can be
 * stopped by PID when `ssh -O exit` cannot reach it. Its session is the shell that runs
 * berth's short commands (`ssh-session.ts`); ending that shell ends the master.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { InterruptedError, TransportError } from '../errors.js'
import { runProcess } from './process.js'
import { buildControlArgs, buildMasterArgs, type SshTarget } from './ssh-args.js'
import { classifySshStderr, pasteable, toTransportError, type SshEndpoint } from './ssh-errors.js'
import { SessionShell } from './ssh-session.js'

/** Beyond ssh's own ConnectTimeout (TCP and banner), authentication may also hang. */
const CONNECT_GRACE_MS = 10_000
const CONTROL_TIMEOUT_MS = 5_000
const SOCKET_POLL_MS = 5
/** After the session shell ends, how long the master may take to follow before `-O exit`. */
const SESSION_END_GRACE_MS = 2_000
/** After ssh exits, how long its stderr may take to arrive in full. */
const STDERR_DRAIN_MS = 250

/** What ssh printed before a master that never came up ended: the retry reads it. */
const startStderr = new WeakMap<Error, string>()

/** ssh's stderr behind a failed `SshMaster.start`, when ssh itself ended the attempt. */
export function handshakeStderr(error: unknown): string | undefined {
  return error instanceof Error ? startStderr.get(error) : undefined
}

/** Masters still running when Node exits are stopped, even if nobody called `close()`. */
const liveMasters = new Set<ChildProcess>()
let exitHookInstalled = false
function trackMaster(child: ChildProcess): void {
  liveMasters.add(child)
  child.once('exit', () => liveMasters.delete(child))
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const live of liveMasters) live.kill('SIGTERM')
  })
}

export class SshMaster {
  private stderr = ''
  private exited = false
  private readonly exit: Promise<void>
  /** The shell on the host that runs berth's short commands over this connection. */
  readonly session: SessionShell

  private constructor(
    private readonly child: ChildProcess,
    private readonly target: SshTarget,
    private readonly endpoint: SshEndpoint,
  ) {
    this.session = new SessionShell(child.stdin!, child.stdout!, child.stderr!, (text) => (this.stderr = (this.stderr + text).slice(-8192)))
    // 'exit' can come before the last of ssh's stderr has been read, and that last line is
    // what says why it ended: wait for the pipes to close too (not forever: a ProxyJump
    // child may hold them a moment longer).
    const drained = new Promise<void>((resolve) => child.once('close', () => resolve()))
    this.exit = new Promise((resolve) => {
      child.once('exit', () => {
        let timer: NodeJS.Timeout | undefined
        const grace = new Promise<void>((done) => (timer = setTimeout(done, STDERR_DRAIN_MS)))
        void Promise.race([drained, grace]).then(() => {
          clearTimeout(timer)
          this.exited = true
          this.session.fail(this.lostError())
          // A master killed hard leaves its socket behind: the next command must not try it.
          rmSync(target.controlPath, { force: true })
          resolve()
        })
      })
      child.once('error', () => resolve())
    })
  }

  get isAlive(): boolean {
    return !this.exited
  }

  /**
   * Starts the master and resolves once its control socket exists, which ssh creates
   * only after authentication succeeded. Rejects with a classified `TransportError`.
   */
  static async start(target: SshTarget, endpoint: SshEndpoint, signal?: AbortSignal): Promise<SshMaster> {
    const child = spawn('ssh', buildMasterArgs(target), {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group: Ctrl-C in the terminal must not cut the connection that the
      // interrupted run still needs to release its lock.
      detached: true,
    })
    const master = new SshMaster(child, target, endpoint)
    let spawnError: TransportError | undefined
    child.once('error', (error) => {
      spawnError = new TransportError(`cannot run ssh for ${endpoint.name}: ${error.message}`, {
        host: endpoint.name,
        cause: error,
        hint: 'install the OpenSSH client (e.g. `apt-get install openssh-client`)',
      })
    })
    const deadline = Date.now() + target.connectTimeoutMs + CONNECT_GRACE_MS
    while (!existsSync(target.controlPath)) {
      const failure = spawnError ?? (master.exited ? master.connectError() : undefined) ?? master.checkWaiting(deadline, signal)
      if (failure !== undefined) {
        child.kill('SIGTERM')
        if (master.exited) startStderr.set(failure, master.stderr)
        throw failure
      }
      await new Promise((resolve) => setTimeout(resolve, SOCKET_POLL_MS))
    }
    trackMaster(child)
    // Idle, the master must not keep Node alive; the session refs its pipes while it works.
    child.unref()
    ;(child.stdin as unknown as { unref?: () => void } | null)?.unref?.()
    return master
  }

  /**
   * After a command ended with ssh's 255 and nothing ssh-like on its stderr: did the
   * connection die under it? The master notices a dropped connection at the same moment
   * the command's client does, so a short wait tells the two apart.
   */
  async diedWithin(ms: number): Promise<TransportError | undefined> {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
    await Promise.race([this.exit, timer])
    if (!this.exited) return undefined
    return this.lostError()
  }

  /** Cuts the connection at once (a command on the session shell timed out). */
  kill(): void {
    this.child.kill('SIGTERM')
  }

  private lostError(): TransportError {
    const failure = classifySshStderr(this.stderr) ?? { kind: 'closed' as const, detail: 'the connection was lost' }
    return toTransportError(failure, this.endpoint)
  }

  /**
   * Ends the session shell, which ends the master; if commands of their own still hold it,
   * `ssh -O exit`. Waits until the process is gone (killing it if it lingers).
   */
  async stop(host: string): Promise<void> {
    if (this.exited) return
    // Until it is gone, the master keeps Node alive: this wait is all that is left to do.
    this.child.ref()
    this.session.end()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([this.exit, new Promise<void>((resolve) => (timer = setTimeout(resolve, SESSION_END_GRACE_MS)))])
    clearTimeout(timer)
    if (this.exited) return
    await runProcess(host, { file: 'ssh', args: buildControlArgs(this.target, 'exit'), env: process.env }, 'ssh -O exit', {
      allowFailure: true,
      timeoutMs: CONTROL_TIMEOUT_MS,
    }).catch(() => {})
    const killer = setTimeout(() => this.child.kill('SIGKILL'), CONTROL_TIMEOUT_MS)
    await this.exit
    clearTimeout(killer)
  }

  private connectError(): TransportError {
    const failure = classifySshStderr(this.stderr)
    if (failure !== undefined) return toTransportError(failure, this.endpoint)
    const detail = this.stderr.trim().split('\n').pop() || `ssh exited with code ${this.child.exitCode}`
    return new TransportError(`cannot connect to ${this.endpoint.name}: ${detail}`, {
      host: this.endpoint.name,
      hint: `run ${pasteable('ssh', '-v', this.endpoint.destination)}`,
    })
  }

  private checkWaiting(deadline: number, signal: AbortSignal | undefined): Error | undefined {
    const host = this.endpoint.name
    if (signal?.aborted === true) return new InterruptedError(`interrupted while connecting to ${host}`, { host })
    if (Date.now() <= deadline) return undefined
    return new TransportError(`cannot connect to ${host}: no answer in time`, { host, hint: `run ${pasteable('ssh', '-v', this.endpoint.destination)}` })
  }
}
