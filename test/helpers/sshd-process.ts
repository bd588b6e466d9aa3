/**
 * One sshd daemon of the test fleet as a process: started in its own session (and, as
 * root, its own mount namespace with the host's directory at /srv and a stock home at
 * /root), watched until it listens, and stopped by PID only: never by name, since other
 * fleets and the machine's own daemons may be running.
 */
import { spawn, execFileSync } from 'node:child_process'
import { openSync, closeSync, readFileSync, readdirSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'

export const SSHD = '/usr/sbin/sshd'

export interface DaemonSpec {
  configFile: string
  logFile: string
  /** Mounted at /srv and /root inside the daemon's namespace; absent when not isolated. */
  mounts?: { srv: string; home: string }
}

/** Mount namespaces need root and a working `unshare`: checked once per process. */
let namespacesWork: boolean | undefined
export function canIsolate(): boolean {
  if (namespacesWork === undefined) {
    try {
      execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' })
      namespacesWork = process.getuid?.() === 0
    } catch {
      namespacesWork = false
    }
  }
  return namespacesWork
}

/**
 * Starts sshd and resolves with its PID once it listens. `detached` makes it a session
 * leader (what `setsid` would do), and `unshare`/`sh` exec into sshd, so the child's PID
 * is the daemon's own.
 */
export async function startDaemon(spec: DaemonSpec): Promise<number> {
  // A restarted host appends to the same log: only what this start writes counts.
  const logOffset = readLog(spec.logFile).length
  const log = openSync(spec.logFile, 'a')
  const sshdArgv = [SSHD, '-D', '-e', '-f', spec.configFile]
  const [file, args] =
    spec.mounts === undefined
      ? [SSHD, sshdArgv.slice(1)]
      : [
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            '--',
            'sh',
            '-c',
            // --rbind: a filesystem mounted under the host's directory (a small tmpfs as its
            // deploy directory, to fill its disk) is part of the host too.
            'mount --rbind "$1" /srv && mount --bind "$2" /root && shift 2 && exec "$@"',
            'sh',
            spec.mounts.srv,
            spec.mounts.home,
            ...sshdArgv,
          ],
        ]
  const child = spawn(file, args as string[], { detached: true, stdio: ['ignore', log, log] })
  closeSync(log)
  child.unref()
  trackDaemon(child.pid)
  let exited = false
  child.once('exit', () => (exited = true))
  child.once('error', () => (exited = true))
  await waitForListening(spec.logFile, logOffset, () => exited)
  if (child.pid === undefined) throw new Error(`sshd did not start: ${readLog(spec.logFile)}`)
  return child.pid
}

/** Daemons still running when the test process exits are killed, even if `stop()` never ran. */
const liveDaemons = new Set<number>()
let exitHookInstalled = false
function trackDaemon(pid: number | undefined): void {
  if (pid === undefined) return
  if (!exitHookInstalled) process.once('exit', killLiveDaemons)
  exitHookInstalled = true
  liveDaemons.add(pid)
}
function killLiveDaemons(): void {
  for (const pid of liveDaemons) signal(pid, 'SIGKILL')
}

/** sshd logs "Server listening on ..." right after listen(): no probe connections needed. */
async function waitForListening(logFile: string, offset: number, hasExited: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = readLog(logFile).slice(offset)
    if (text.includes('Server listening on')) return
    if (hasExited()) throw new Error(`sshd exited at startup:\n${text}`)
    if (Date.now() > deadline) throw new Error(`sshd did not listen within ${timeoutMs} ms:\n${text}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function readLog(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : ''
}

/**
 * Stops a daemon. With `sessions`, also every process it forked (one sshd per connection
 * and the commands they run): a host that dies, not just a listener that stops.
 */
export async function stopDaemon(pid: number, options: { sessions: boolean }): Promise<void> {
  liveDaemons.delete(pid)
  const victims = options.sessions ? [pid, ...descendantsOf(pid)] : [pid]
  for (const victim of victims) signal(victim, options.sessions ? 'SIGKILL' : 'SIGTERM')
  const deadline = Date.now() + 2000
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
  if (isAlive(pid)) signal(pid, 'SIGKILL')
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // already gone
  }
}

/** Alive and not a zombie (a reparented zombie may never be reaped on this machine). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return statFields(stat)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Fields after `(comm)`: state, ppid, pgrp, ... (comm may itself hold spaces and parens). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** Every process below `root` (read from /proc): a daemon's sessions, a CLI's ssh clients. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const ppid = Number(statFields(readFileSync(`/proc/${entry}/stat`, 'utf8'))[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

/** A port free on every given address (all fleet hosts share one port). */
export async function findFreePort(addresses: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce('127.0.0.1', 0)
    const free = await Promise.all(addresses.map((address) => listenOnce(address, port).then(() => true, () => false)))
    if (free.every(Boolean)) return port
  }
  throw new Error('no free port found for the test fleet')
}

function listenOnce(address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, address, () => {
      const bound = (server.address() as { port: number }).port
      server.close(() => resolve(bound))
    })
  })
}
