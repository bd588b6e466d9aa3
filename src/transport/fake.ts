/**
 * A scripted fleet for tests: every host's transport records what it is asked to run and
 * answers from a script, so a test can make "web3 fail at the switch", "the unlock fail on
 * web2", "the second `lock` command on web2 (the first heartbeat) fail" or "the `build`
 * hook hang until Ctrl-C" happen on purpose, then assert what berth did about it.
 *
 * ```ts
 * import { deploy, FakeFleet } from 'berth-deploy'
 * const fleet = new FakeFleet({ deployTo: config.deployTo })
 * await deploy(config, { transportFactory: fleet.transportFactory }) // a first release, for real
 * fleet.restart({ host: 'web3', step: 'switch', reply: { exitCode: 1, stderr: 'disk full' } })
 * await expect(deploy(config, { transportFactory: fleet.transportFactory })).rejects.toThrow()
 * fleet.live('web1')                          // the release web1's own disk has live
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
 * this machine (as the ssh test fleet does with `/srv`). That needs root; without it a
 * fleet of one host runs its commands directly on this machine's `deployTo`, and a larger
 * one is refused. (`local: true` hooks run on this machine as always, not through a fleet.)
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix, relative } from 'node:path'
import { RemoteCommandError, TransportError } from '../errors.js'
import { carries, drain, endingOf, FakeScript, hang, playReply, type FakeCall, type FakeRule } from './fake-script.js'
import { runProcess } from './process.js'
import type { ExecOptions, ExecResult, Transport } from './types.js'

export type { FakeCall, FakeReply, FakeRule } from './fake-script.js'

export interface FakeFleetOptions {
  /** The config's `deployTo`: its parent directory is what each host gets its own copy of. */
  deployTo: string
  rules?: FakeRule[]
}

/** One fake host's transport: hands every call to its fleet, which records and answers it. */
export class FakeTransport implements Transport {
  /** It stands for a remote host (with a connection that can fail), whatever runs behind it. */
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
  private readonly rules = new FakeScript()
  private readonly base: string
  private readonly deployTo: string
  private readonly mountPoint: string
  private readonly isolated: boolean
  private readonly waiters: { match: (call: FakeCall) => boolean; resolve: (call: FakeCall) => void }[] = []

  constructor(options: FakeFleetOptions) {
    this.deployTo = options.deployTo
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
    this.rules.add(rules)
    return this
  }

  /** Forgets the rules and the calls recorded so far (the hosts' disks stay): for the run under test, after set-up runs. */
  restart(...rules: FakeRule[]): this {
    this.rules.clear()
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
  live(host: string): string | null {
    const link = this.pathOn(host, posix.join(this.deployTo, 'current'))
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
    return this.calls.filter((call) => carries(call, step) && (host === undefined || call.host === host))
  }

  /** Resolves with the first call (already made, or when it is) on that host and step: to act mid-run, e.g. abort. */
  reached(where: { host?: string; step?: string }): Promise<FakeCall> {
    const match = (call: FakeCall): boolean => (where.host === undefined || call.host === where.host) && (where.step === undefined || carries(call, where.step))
    const made = this.calls.find(match)
    if (made !== undefined) return Promise.resolve(made)
    return new Promise((resolve) => this.waiters.push({ match, resolve }))
  }

  /** Removes every host's directory. */
  dispose(): void {
    rmSync(this.base, { recursive: true, force: true })
  }

  /** For `FakeTransport.connect`. */
  async connect(host: string, signal?: AbortSignal): Promise<void> {
    const call = this.record(host, 'connect', '', false)
    const reply = this.rules.answer(call)
    try {
      if (reply !== null && 'unreachable' in reply) throw new Error(reply.unreachable)
      if (reply !== null && 'exitCode' in reply && reply.exitCode !== 0) throw new Error(`exit code ${reply.exitCode}`)
      if (reply !== null && 'hang' in reply) await hang(call, { signal, step: 'connect' }, 'connect')
    } catch (error) {
      call.ended = endingOf(error)
      if (error instanceof RemoteCommandError) throw error
      throw new TransportError(`cannot connect to ${host}: ${(error as Error).message}`, { host, step: 'connect', hint: `run \`ssh -v ${host}\`` })
    }
    call.ended = 'ok'
  }

  /** For `FakeTransport.exec`: a scripted answer, or the command run for real on the host's own disk. */
  async exec(host: string, command: string, options: ExecOptions): Promise<ExecResult> {
    const call = this.record(host, options.step, command, options.stdin !== undefined, options.steps)
    const reply = this.rules.answer(call)
    const display = options.display ?? command
    try {
      if (reply === null) {
        const result = await this.runReal(host, command, display, options)
        call.ended = 'ok'
        return result
      }
      if ('exitCode' in reply && reply.isRunFirst === true) await this.runReal(host, command, display, { ...options, allowFailure: true })
      else drain(options.stdin)
      const result = await playReply(call, reply, options, display)
      call.ended = 'ok'
      return result
    } catch (error) {
      call.ended = endingOf(error)
      throw error
    }
  }

  private record(host: string, step: string | undefined, command: string, hasStdin: boolean, steps: readonly string[] = step === undefined ? [] : [step]): FakeCall {
    const call: FakeCall = { host, step, steps, command, hasStdin, rule: null }
    this.calls.push(call)
    for (const waiter of this.waiters.filter((w) => w.match(call))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1)
      waiter.resolve(call)
    }
    return call
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
