/**
 * The shell a host's master connection runs as its own session (`sh -s`), which carries
 * berth's short internal commands: take the lock, read the state, switch, clean up. Such a
 * command costs one write and one read on pipes that are already open, where a command of
 * its own costs a new ssh process and a new channel (about ten times as long, most of it
 * CPU on the deploying machine). Hooks, `run`, uploads and anything that may need stopping
 * keep their own ssh process (see `ssh-script.ts`).
 *
 * Framing: each command is written as one line group; when it ends, the shell prints a
 * marker with its exit status on stdout and a marker on stderr. The marker is random per
 * connection and travels only on stdin, so no output (a file name, a record) can imitate
 * it; and only berth's own scripts run here, never a user's command.
 */
import { randomBytes } from 'node:crypto'
import type { Readable, Writable } from 'node:stream'
import { buildExports } from './ssh-script.js'
import { shellQuote } from './quote.js'

export interface SessionResult {
  exitCode: number
  stdout: string
  stderr: string
}

interface Pending {
  script: string
  resolve(result: SessionResult): void
  reject(error: Error): void
}

interface Running extends Pending {
  stdout?: string
  stderr?: string
  exitCode?: number
}

/** Streams with `ref`/`unref` (child process pipes are sockets). */
type Pipe = Readable & { ref?: () => void; unref?: () => void }

export class SessionShell {
  private readonly marker = `__berth_${randomBytes(12).toString('hex')}`
  private readonly queue: Pending[] = []
  private running: Running | undefined
  private outBuffer = ''
  private errBuffer = ''
  /** How far each buffer has been searched for its marker. */
  private outScanned = 0
  private errScanned = 0
  private failure: Error | undefined

  constructor(
    private readonly stdin: Writable,
    private readonly stdout: Pipe,
    private readonly stderr: Pipe,
    /** Stderr that belongs to no command: ssh's own messages, for the master to classify. */
    private readonly onStray: (text: string) => void,
  ) {
    stdout.setEncoding('utf8')
    stderr.setEncoding('utf8')
    stdout.on('data', (chunk: string) => {
      this.outBuffer += chunk
      this.settle()
    })
    stderr.on('data', (chunk: string) => {
      if (this.running === undefined) return this.onStray(chunk)
      this.errBuffer += chunk
      this.settle()
    })
    // A write after the remote shell is gone must fail the command, not the process.
    stdin.on('error', () => {})
    this.idle()
  }

  /**
   * Runs `command` in a subshell of the session shell, as `sh -c` would (its own variables,
   * directory and exit status) but without starting another shell; stdin from /dev/null, or
   * `input`. Input travels base64-encoded in a here-document the shell reads whole before
   * anything runs: no byte of it can be taken for a command, whatever the command reads.
   */
  run(command: string, env?: Record<string, string>, input?: Buffer): Promise<SessionResult> {
    const m = this.marker
    const body = `${buildExports(env)}; eval ${shellQuote(command)}`
    const script = [
      ...(input === undefined ? [`(${body}) </dev/null`] : [`base64 -d <<'${m}_in' | (${body})`, ...base64Lines(input), `${m}_in`]),
      `printf '\\n${m} %s\\n' "$?"; printf '\\n${m}\\n' >&2`,
      '',
    ].join('\n')
    return new Promise<SessionResult>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure)
      this.queue.push({ script, resolve, reject })
      this.next()
    })
  }

  /** The connection is gone: every command still waiting fails with `error`. */
  fail(error: Error): void {
    this.failure ??= error
    // What a dying command's stream held last is most likely ssh saying why.
    if (this.errBuffer !== '') this.onStray(this.errBuffer)
    this.errBuffer = ''
    this.errScanned = 0
    for (const waiting of [...(this.running === undefined ? [] : [this.running]), ...this.queue.splice(0)]) waiting.reject(this.failure)
    this.running = undefined
    this.idle()
  }

  /** Ends the shell: the session closes, and with it the master once no command uses it. */
  end(): void {
    this.stdin.end()
  }

  private next(): void {
    if (this.running !== undefined) return
    const job = this.queue.shift()
    if (job === undefined) return this.idle()
    this.running = job
    // While a command runs, its pipes keep Node alive; idle, they must not hold it open.
    this.stdout.ref?.()
    this.stderr.ref?.()
    this.stdin.write(job.script)
  }

  private settle(): void {
    const job = this.running
    if (job === undefined) return
    if (job.stdout === undefined) {
      // Only the new part of a long output is searched (less what a marker split by a chunk needs).
      const head = `\n${this.marker} `
      const at = this.outBuffer.indexOf(head, Math.max(0, this.outScanned - head.length - 4))
      const end = at < 0 ? -1 : this.outBuffer.indexOf('\n', at + head.length)
      this.outScanned = this.outBuffer.length
      if (end >= 0) {
        job.stdout = this.outBuffer.slice(0, at)
        job.exitCode = Number(this.outBuffer.slice(at + head.length, end))
        this.outBuffer = this.outBuffer.slice(end + 1)
        this.outScanned = 0
      }
    }
    if (job.stderr === undefined) {
      const tail = `\n${this.marker}\n`
      const at = this.errBuffer.indexOf(tail, Math.max(0, this.errScanned - tail.length))
      this.errScanned = this.errBuffer.length
      if (at >= 0) {
        job.stderr = this.errBuffer.slice(0, at)
        this.errBuffer = this.errBuffer.slice(at + tail.length)
        this.errScanned = 0
      }
    }
    if (job.stdout === undefined || job.stderr === undefined) return
    this.running = undefined
    job.resolve({ exitCode: Number.isInteger(job.exitCode) ? job.exitCode! : 1, stdout: job.stdout, stderr: job.stderr })
    this.next()
  }

  private idle(): void {
    this.stdout.unref?.()
    this.stderr.unref?.()
  }
}

/** `input` as base64 lines of the usual width (the marker has `_`, which base64 never writes). */
function base64Lines(input: Buffer): string[] {
  const text = input.toString('base64')
  const lines: string[] = []
  for (let at = 0; at < text.length; at += 76) lines.push(text.slice(at, at + 76))
  return lines
}
