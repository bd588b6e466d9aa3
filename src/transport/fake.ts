/**
 * A scripted fleet for tests: every host's transport records what it is asked to run and
 * answers from a script, so a test can make "web3 fail at the switch", "the unlock fail on
 * web2", "the second `lock` command on web2 (the first heartbeat) fail" or "the `build`
 * hook hang until Ctrl-C" happen on purpose, then assert what berth did about it.
 *
 * ```ts
 * import { deploy, FakeFleet } from 'berth'
 * const fleet = new FakeFleet({ deployTo: config.deployTo })
 * await deploy(config, { transportFactory: fleet.transportFactory }) // a first release, for real
 * fleet.restart({ host: 'web3', step: 'switch', reply: { exitCode: 1, stderr: 'disk full' } })
 * await expect(deploy(config, { transportFactory: fleet.transportFactory })).rejects.toThrow()
 * fleet.live('web1', config.deployTo)          // the release web1's own disk has live
 * fleet.callsAt('switch').map((c) => c.host)   // what was asked of whom, in order
 * fleet.dispose()
 * ```
 *
 * Rules match on the host, the step a command belongs to (`ExecOptions.step`: `lock`,
 * `switch`, `unlock`, a hook's name such as `build`, or `connect` for the connection) and
 * how many such calls came before, never on the command text: the text is berth's own
 * business and changes. The first rule that matches answers; a command no rule matches
 * runs for real with `sh -c`, so berth's real scripts build a real release layout.
 *
 * Every host of a config shares one `deployTo`, yet each fake host must have a disk of its
 * own. Each host's real commands therefore run in a private mount namespace
 * (`unshare --mount`, a few ms per command) in which a directory of that host is mounted
 * over the parent of `deployTo`: the same path on every host, different directories on
 * this machine (as the ssh test fleet does with `/srv`). That needs root (or a user
 * namespace allowed to mount); without it a fleet of one host runs its commands directly
 * on this machine's `deployTo`, and a larger one is refused.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix, relative } from 'node:path'
import type { Readable } from 'node:stream'
import { RemoteCommandError, TransportError } from '../errors.js'
import { runProcess } from './process.js'
import type { ExecOptions, ExecResult, Transport } from './types.js'

/** What a scripted call does instead of running. */
export type FakeReply =
  /** Ends at once with this exit code and output, as if the command had run. */
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
  /** Every call from the nth (1-based) on that matches `host` and `step`. */
  from?: number
  reply: FakeReply
}

export interface FakeCall {
  host: string
  /** `connect` for a connection attempt. */
  step: string | undefined
  /** The command text: for reading in a failing test's output, not for matching. */
  command: string
  hasStdin: boolean
  /** Which rule answered it (its index in the script), or null when it ran for real. */
  rule: number | null
  /** How it ended; absent while it is still running. */
  ended?: 'ok' | 'failed' | 'interrupted' | 'timed out'
}

export interface FakeFleetOptions {
  /** The config's `deployTo`: its parent directory is what each host gets its own copy of. */
  deployTo: string
  rules?: FakeRule[]
}

/** One fake host's transport: hands every call to its fleet, which records and answers it. */
export class FakeTransport implements Transport {
  readonly kind = 'ssh'
  constructor(
    readonly host: string,
    private readonly fleet: FakeFleet,
  ) {}

  connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.fleet.connect(this.host, options.signal)
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.fleet.exec(this.host, command, options)
  }

  async close(): Promise<void> {}
}

export class FakeFleet {
  /** Every call made to any host, in the order they were made. */
  readonly calls: FakeCall[] = []
  /** Pass as `deploy(config, { transportFactory })`. */
  readonly transportFactory = (host: { name: string }): Transport => {
    if (!this.isolated && this.hosts.size > 0 && !this.hosts.has(host.name)) {
      throw new Error('FakeFleet: more than one fake host needs mount namespaces (root and `unshare`) to give each its own disk')
    }
    this.hosts.add(host.name)
    return new FakeTransport(host.name, this)
  }
  private readonly hosts = new Set<string>()
  private readonly rules: { rule: FakeRule; seen: number }[] = []
  private readonly base: string
  private readonly mountPoint: string
  private readonly isolated: boolean
  private readonly waiters: { match: (call: FakeCall) => boolean; resolve: (call: FakeCall) => void }[] = []

  constructor(options: FakeFleetOptions) {
    this.mountPoint = posix.dirname(posix.normalize(options.deployTo).replace(/\/+$/, ''))
    this.base = realpathSync(mkdtempSync(join(tmpdir(), 'berth-fake-fleet-')))
    if (this.mountPoint === '/' || !relative(this.mountPoint, this.base).startsWith('..')) {
      throw new Error(`FakeFleet: deployTo ${options.deployTo} needs a parent of its own that does not hold ${tmpdir()} (e.g. ${join(tmpdir(), 'x', 'srv', 'app')})`)
    }
    this.isolated = canIsolate(this.base)
    // The mount point must exist on this machine; it stays empty (hosts write under their own directory).
    if (this.isolated) mkdirSync(this.mountPoint, { recursive: true })
    this.script(...(options.rules ?? []))
  }

  /** Adds rules after those already there (the first rule that matches a call answers it). */
  script(...rules: FakeRule[]): this {
    for (const rule of rules) this.rules.push({ rule, seen: 0 })
    return this
  }

  /** Forgets the rules and the calls recorded so far (the hosts' disks stay): for the run under test, after set-up runs. */
  restart(...rules: FakeRule[]): this {
    this.rules.length = 0
    this.calls.length = 0
    return this.script(...rules)
  }

  /** The directory on this machine that `host` sees as the parent of `deployTo`. */
  hostDir(host: string): string {
    if (!this.isolated) return this.mountPoint
    const dir = join(this.base, host)
    mkdirSync(dir, { recursive: true })
    return dir
  }

  /** Where an absolute path on `host` (under the parent of `deployTo`) is on this machine. */
  pathOn(host: string, path: string): string {
    const inside = posix.relative(this.mountPoint, path)
    if (inside.startsWith('..')) throw new Error(`FakeFleet: ${path} is outside ${this.mountPoint}, the part of the disk each fake host has its own copy of`)
    return join(this.hostDir(host), inside)
  }

  /** The release `current` points at on `host` (read from its disk), or null. */
  live(host: string, deployTo: string): string | null {
    const link = this.pathOn(host, posix.join(deployTo, 'current'))
    try {
      return posix.basename(readlinkSync(link))
    } catch {
      return null
    }
  }

  /** Whether `path` (absolute, on `host`) exists there; a dangling symlink counts. */
  exists(host: string, path: string): boolean {
    const local = this.pathOn(host, path)
    try {
      readlinkSync(local)
      return true
    } catch {
      return existsSync(local)
    }
  }

  /** The calls made at one step, optionally on one host, in order. */
  callsAt(step: string, host?: string): FakeCall[] {
    return this.calls.filter((call) => call.step === step && (host === undefined || call.host === host))
  }

  /** Resolves with the first call (already made, or when it is) on that host and step: to act mid-run, e.g. abort. */
  reached(where: { host?: string; step?: string }): Promise<FakeCall> {
    const match = (call: FakeCall): boolean => (where.host === undefined || call.host === where.host) && (where.step === undefined || call.step === where.step)
    const made = this.calls.find(match)
    if (made !== undefined) return Promise.resolve(made)
    return new Promise((resolve) => this.waiters.push({ match, resolve }))
  }

  /** Removes every host's directory. */
  dispose(): void {
    rmSync(this.base, { recursive: true, force: true })
  }

  async connect(host: string, signal?: AbortSignal): Promise<void> {
    const call = this.record(host, 'connect', '', false)
    const scripted = this.answerFor(call)
    if (scripted === null) return void (call.ended = 'ok')
    const fail = (message: string): never => {
      call.ended = 'failed'
      throw new TransportError(`cannot connect to ${host}: ${message}`, { host, step: 'connect', hint: `run \`ssh -v ${host}\`` })
    }
    if ('unreachable' in scripted) fail(scripted.unreachable)
    if ('exitCode' in scripted && scripted.exitCode !== 0) fail(`exit code ${scripted.exitCode}`)
    if ('hang' in scripted) await this.hang(call, { signal }, 'connect')
    call.ended = 'ok'
  }

  async exec(host: string, command: string, options: ExecOptions): Promise<ExecResult> {
    const call = this.record(host, options.step, command, options.stdin !== undefined)
    const scripted = this.answerFor(call)
    const display = options.display ?? command
    try {
      if (scripted === null || ('exitCode' in scripted && scripted.isRunFirst === true)) {
        const real = await this.runReal(host, command, display, scripted === null ? options : { ...options, allowFailure: true })
        if (scripted === null) return ((call.ended = 'ok'), real)
      } else {
        drain(options.stdin)
      }
      if ('unreachable' in scripted) {
        throw new TransportError(`connection to ${host} lost: ${scripted.unreachable}`, { host, ...(options.step === undefined ? {} : { step: options.step }) })
      }
      if ('hang' in scripted) return await this.hang(call, options, display)
      const result: ExecResult = { exitCode: scripted.exitCode, signal: null, stdout: scripted.stdout ?? '', stderr: scripted.stderr ?? '', timedOut: false, durationMs: 0 }
      for (const line of result.stdout.split('\n').filter(Boolean)) options.onLine?.('stdout', line)
      for (const line of result.stderr.split('\n').filter(Boolean)) options.onLine?.('stderr', line)
      if (result.exitCode !== 0 && options.allowFailure !== true) {
        const tail = result.stderr.split('\n').filter(Boolean).slice(-20)
        throw new RemoteCommandError({ host, step: options.step, command: display, exitCode: result.exitCode, signal: null, outputTail: tail })
      }
      call.ended = 'ok'
      return result
    } catch (error) {
      call.ended ??= endingOf(error)
      throw error
    }
  }

  private record(host: string, step: string | undefined, command: string, hasStdin: boolean): FakeCall {
    const call: FakeCall = { host, step, command, hasStdin, rule: null }
    this.calls.push(call)
    for (const waiter of this.waiters.filter((w) => w.match(call))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
      waiter.resolve(call)
    }
    return call
  }

  /** Counts the call against every rule it fits, then answers with the first whose count matches. */
  private answerFor(call: FakeCall): FakeReply | null {
    let answer: FakeReply | null = null
    for (const [index, entry] of this.rules.entries()) {
      const { rule } = entry
      if (rule.host !== undefined && rule.host !== call.host) continue
      if (rule.step !== call.step && (rule.step !== undefined || call.step === 'connect')) continue
      entry.seen += 1
      const inWindow = rule.nth !== undefined ? entry.seen === rule.nth : entry.seen >= (rule.from ?? 1)
      if (inWindow && answer === null) {
        answer = rule.reply
        call.rule = index
      }
    }
    return answer
  }

  /** Waits for the call's abort signal or timeout, then fails the way a killed command does. */
  private hang(call: FakeCall, options: Pick<ExecOptions, 'signal' | 'timeoutMs' | 'step'>, display: string): Promise<never> {
    return new Promise<never>((_, reject) => {
      const stop = (timedOut: boolean): void => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', onAbort)
        call.ended = timedOut ? 'timed out' : 'interrupted'
        reject(new RemoteCommandError({ host: call.host, step: options.step, command: display, exitCode: null, signal: timedOut ? null : 'interrupt', outputTail: [], timedOut }))
      }
      const onAbort = (): void => stop(false)
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop(true), options.timeoutMs)
      if (options.signal?.aborted) return stop(false)
      options.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  private runReal(host: string, command: string, display: string, options: ExecOptions): Promise<ExecResult> {
    const env = { ...process.env, ...options.env }
    if (!this.isolated) return runProcess(host, { file: 'sh', args: ['-c', command], env }, display, options)
    // The mount is private to this one command: it ends with it, and nothing else sees it.
    const args = ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" "$2" && exec sh -c "$3"', 'sh', this.hostDir(host), this.mountPoint, command]
    return runProcess(host, { file: 'unshare', args, env }, display, options)
  }
}

/** Mount namespaces need `unshare` and the right to mount (root): checked once per process. */
let namespacesWork: boolean | undefined
function canIsolate(dir: string): boolean {
  if (namespacesWork === undefined) {
    try {
      execFileSync('unshare', ['--mount', '--propagation', 'private', '--', 'mount', '--bind', dir, dir], { stdio: 'ignore' })
      namespacesWork = true
    } catch {
      namespacesWork = false
    }
  }
  return namespacesWork
}

function endingOf(error: unknown): NonNullable<FakeCall['ended']> {
  if (!(error instanceof RemoteCommandError)) return 'failed'
  return error.signal === 'interrupt' ? 'interrupted' : error.timedOut ? 'timed out' : 'failed'
}

/** A scripted call reads none of its stdin: let the stream flow so its producer is not stuck. */
function drain(stdin: ExecOptions['stdin']): void {
  if (stdin !== undefined && typeof stdin !== 'string' && !Buffer.isBuffer(stdin)) (stdin as Readable).resume()
}
