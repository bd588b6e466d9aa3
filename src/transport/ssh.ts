/**
 * Runs commands on a host through the system OpenSSH client, so the user's ssh_config,
 * agent, ProxyJump and known_hosts all apply. One master connection per host per run
 * (ControlMaster, socket in a private directory of the run) carries every command; the
 * remote side and the secret-safe way env travels are described in `ssh-script.ts`.
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { createHash } from 'node:crypto'
import { BugError, RemoteCommandError } from '../errors.js'
import { makeRunDir } from '../run-dirs.js'
import { runProcess } from './process.js'
import { buildExecArgs, type SshTarget } from './ssh-args.js'
import { classifySshStderr, toTransportError, type SshEndpoint } from './ssh-errors.js'
import { EgressPaths } from './egress.js'
import { HandshakeGate } from './handshake-gate.js'
import { retryDroppedHandshake } from './handshake-retry.js'
import { SshMaster, handshakeStderr } from './ssh-master.js'
import { SCRIPT_COMMAND, buildInputCommand, buildInputHeader, buildRemoteScript } from './ssh-script.js'
import type { ExecOptions, ExecResult, OutputStream, Transport } from './types.js'

export interface SshTransportOptions {
  /** The host's name as written in the config; used in every message. */
  name: string
  /** Address or ssh_config alias. */
  host: string
  user?: string
  port?: number
  /** `ssh.config`: passed as `ssh -F`. */
  sshConfigFile?: string
  /** @default 'yes' at the config level; never `no`. */
  strictHostKeyChecking: 'yes' | 'accept-new'
  connectTimeoutMs: number
  forwardAgent: boolean
  /** From `createControlDir()`: private to this run, removed at its end. */
  controlDir: string
  /** Shared by the run's transports, so hosts behind one jump host queue together. @default this host's own */
  handshakes?: Handshakes
}

/** One run's handshake throttle: each host's egress path, and the slots per path. */
export interface Handshakes {
  paths: EgressPaths
  gate: HandshakeGate
}

export function createHandshakes(sshConfigFile: string | undefined): Handshakes {
  return { paths: new EgressPaths(sshConfigFile), gate: new HandshakeGate() }
}

export interface ControlDir {
  path: string
  /** Removes the directory and any socket left in it. */
  remove(): Promise<void>
}

/**
 * A 0700 directory for this run's master sockets. Unix socket paths are limited to ~107
 * bytes, so a long TMPDIR (macOS) falls back to /tmp.
 */
export async function createControlDir(): Promise<ControlDir> {
  const path = makeRunDir(tmpdir().length <= 32 ? tmpdir() : '/tmp', 'ssh')
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

const TAIL_LINES = 20
/**
 * The most input a `brief` command carries on the session shell: it travels as base64 in
 * the script (a third larger), so a large stream keeps its own ssh process and channel.
 */
const INLINE_INPUT_LIMIT = 512 * 1024
/** How long a command's silent 255 waits to see whether the master died with it. */
const MASTER_DEATH_GRACE_MS = 250

export class SshTransport implements Transport {
  readonly kind = 'ssh'
  readonly host: string
  private readonly target: SshTarget
  private readonly endpoint: SshEndpoint
  private readonly handshakes: Handshakes
  private master: SshMaster | undefined
  private connecting: Promise<SshMaster> | undefined
  private closed = false

  constructor(options: SshTransportOptions) {
    if (options.host.startsWith('-')) throw new BugError(`invalid ssh host: ${options.host}`)
    this.host = options.name
    // The socket is named by us, not by ssh's %C, so its path is known without `ssh -G`.
    const id = createHash('sha1').update(`${options.name}\0${options.user ?? ''}@${options.host}:${options.port ?? ''}`).digest('hex')
    this.target = {
      host: options.host,
      user: options.user,
      port: options.port,
      sshConfigFile: options.sshConfigFile,
      strictHostKeyChecking: options.strictHostKeyChecking,
      connectTimeoutMs: options.connectTimeoutMs,
      forwardAgent: options.forwardAgent,
      controlPath: join(options.controlDir, id.slice(0, 16)),
    }
    this.endpoint = { name: options.name, destination: options.user === undefined ? options.host : `${options.user}@${options.host}` }
    this.handshakes = options.handshakes ?? createHandshakes(options.sshConfigFile)
  }

  /** Opens the master connection (once; again after it died). Rejects with `TransportError`. */
  async connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.ensureMaster(options.signal)
  }

  private ensureMaster(signal?: AbortSignal): Promise<SshMaster> {
    if (this.closed) return Promise.reject(new BugError(`ssh connection to ${this.host} used after close()`))
    if (this.master?.isAlive === true) return Promise.resolve(this.master)
    this.connecting ??= this.startMaster(signal)
      .then((master) => (this.master = master))
      .finally(() => (this.connecting = undefined))
    return this.connecting
  }

  /**
   * Waits for a handshake slot on the host's egress path, then starts the master, again
   * (a few times, after a jittered wait) when the server dropped the handshake.
   */
  private async startMaster(signal?: AbortSignal): Promise<SshMaster> {
    const path = await this.handshakes.paths.of(this.target)
    const release = await this.handshakes.gate.acquire(path, { host: this.host, ...(signal === undefined ? {} : { signal }) })
    try {
      return await retryDroppedHandshake(() => SshMaster.start(this.target, this.endpoint, signal), handshakeStderr, signal === undefined ? {} : { signal })
    } finally {
      release()
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const master = await this.ensureMaster(options.signal)
    if (options.brief === true && options.stdin === undefined) return this.execBrief(master, command, options)
    // Small input of berth's own (a redeploy's stream) rides on the session shell too.
    const input = options.brief === true && options.stdin !== undefined ? await readUpTo(options.stdin, INLINE_INPUT_LIMIT) : undefined
    if (input?.whole !== undefined) return this.execBrief(master, command, options, input.whole)
    const stdin = input?.stream ?? options.stdin
    const hasInput = stdin !== undefined
    const remote = hasInput ? buildInputCommand(command) : SCRIPT_COMMAND
    const feed = hasInput ? prependHeader(buildInputHeader(options.env), stdin) : openScript(buildRemoteScript(command, options.env))
    const tail: string[] = []
    const onLine = (stream: OutputStream, line: string): void => {
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
      options.onLine?.(stream, line)
    }
    // Closing our end of stdin is what stops the remote command (see ssh-script.ts).
    const endFeed = (): void => feed.stop()
    // This timer and runProcess's race: whichever fires first, the command timed out.
    let timedOut = false
    const onTimeout = (): void => {
      timedOut = true
      endFeed()
    }
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(onTimeout, options.timeoutMs)
    options.signal?.addEventListener('abort', endFeed, { once: true })
    let result: ExecResult
    try {
      result = await runProcess(
        this.host,
        { file: 'ssh', args: buildExecArgs(this.target, remote), env: process.env },
        options.display ?? command,
        { ...options, env: undefined, stdin: feed.stream, allowFailure: true, onLine },
      )
    } finally {
      if (timer !== undefined) clearTimeout(timer)
      options.signal?.removeEventListener('abort', endFeed)
      feed.stop()
    }
    if (timedOut) result = { ...result, timedOut: true }
    if (result.exitCode === 255) {
      const failure = classifySshStderr(result.stderr)
      if (failure !== undefined) throw toTransportError(failure, this.endpoint, options.step)
      const lost = await master.diedWithin(MASTER_DEATH_GRACE_MS)
      if (lost !== undefined) throw lost
    }
    return this.checked(result, command, options, tail)
  }

  /** On the master's session shell: no process of its own (see `ssh-session.ts`). */
  private async execBrief(master: SshMaster, command: string, options: ExecOptions, input?: Buffer): Promise<ExecResult> {
    const started = performance.now()
    let timedOut = false
    // A command on the shared shell cannot be stopped alone: a timeout ends the connection.
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), master.kill()), options.timeoutMs)
    try {
      const out = await master.session.run(command, options.env, input)
      const result = { exitCode: out.exitCode, signal: null, stdout: out.stdout, stderr: out.stderr, timedOut: false, durationMs: performance.now() - started }
      const lines = `${out.stdout}\n${out.stderr}`.split('\n').filter((line) => line !== '')
      return this.checked(result, command, options, lines.slice(-TAIL_LINES))
    } catch (error) {
      if (!timedOut) throw error
      const result = { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: true, durationMs: performance.now() - started }
      return this.checked(result, command, options, [])
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
  }

  private checked(result: ExecResult, command: string, options: ExecOptions, tail: string[]): ExecResult {
    const failed = result.exitCode !== 0 || result.timedOut
    if (failed && options.allowFailure !== true) {
      throw new RemoteCommandError({
        host: this.host,
        step: options.step,
        command: options.display ?? command,
        exitCode: result.exitCode,
        signal: result.signal,
        outputTail: tail,
        timedOut: result.timedOut,
      })
    }
    return result
  }

  /** Ends the master (`ssh -O exit`) and waits until it is gone. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true
    await this.connecting?.catch(() => {})
    await this.master?.stop(this.host)
  }
}

/**
 * Reads `input` while it stays within `limit` bytes: all of it (`whole`), or, once it is
 * larger, a stream that gives what was read and then the rest (`stream`).
 */
async function readUpTo(input: NonNullable<ExecOptions['stdin']>, limit: number): Promise<{ whole?: Buffer; stream?: Readable }> {
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    const data = Buffer.from(input)
    return data.length <= limit ? { whole: data } : { stream: Readable.from([data]) }
  }
  const source = input as Readable
  const chunks: Buffer[] = []
  let size = 0
  const ended = await new Promise<boolean>((resolve, reject) => {
    const onData = (chunk: Buffer | string): void => {
      const data = Buffer.from(chunk)
      chunks.push(data)
      size += data.length
      if (size <= limit) return
      source.pause()
      done(false)
    }
    const onEnd = (): void => done(true)
    const done = (value: boolean): void => {
      source.off('data', onData).off('end', onEnd).off('error', reject)
      resolve(value)
    }
    source.on('data', onData).once('end', onEnd).once('error', reject)
  })
  if (ended) return { whole: Buffer.concat(chunks) }
  const stream = new PassThrough()
  for (const chunk of chunks) stream.write(chunk)
  source.pipe(stream)
  return { stream }
}

/** What an exec writes to ssh's stdin; `stop()` ends it early without losing the pipe's error handling. */
interface Feed {
  stream: PassThrough
  stop(): void
}

/** Stdin for the script mode: the script, then held open until the command ends. */
function openScript(script: string): Feed {
  const stream = new PassThrough()
  stream.write(script)
  return { stream, stop: () => void stream.end() }
}

/** Stdin for the input mode: the export line, then the caller's data. */
function prependHeader(header: string, input: ExecOptions['stdin']): Feed {
  const stream = new PassThrough()
  stream.write(header)
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    stream.end(input)
    return { stream, stop: () => {} }
  }
  const source = input as Readable
  source.pipe(stream)
  return {
    stream,
    stop: () => {
      if (stream.writableEnded) return
      source.unpipe(stream)
      stream.end()
    },
  }
}
