/**
 * What `ssh -G` resolves for a host (HostName, Port, User, its known-hosts files, its
 * proxy): asked at most once per host in a run, and shared by every part of berth that
 * needs it, a connection's egress path (`egress.ts`) and a relay's directions to the hosts
 * it serves (`delivery/relay-targets.ts`), which ask for the same hosts at the same time.
 *
 * Answers are kept for `KEEP_MS` only: a run asks while its hosts connect, in its first
 * seconds; a later run in the same process (the library, a test) asks ssh again, and so
 * sees an ssh_config changed in between.
 */
import { execFile } from 'node:child_process'
import { HandshakeGate } from './handshake-gate.js'
import type { SshTarget } from './ssh-args.js'

/** The part of a target `ssh -G` reads: the same config, user and port as the connection. */
export type ResolveTarget = Pick<SshTarget, 'host' | 'user' | 'port' | 'sshConfigFile'>

/** `ssh -G` output as setting → its words (lower-case names, as ssh prints them). */
export type SshSettings = Map<string, string[]>

const KEEP_MS = 60_000
/**
 * Processes started here at once, at most: the lookups run while the hosts' connections
 * are being made, and a hundred hosts' worth at once would slow those down.
 */
const MAX_RUNNING = 8

/** The argv of `ssh -G` for a target: what would ssh itself resolve for it. */
export function buildResolveArgs(target: ResolveTarget): string[] {
  return [
    '-G',
    ...(target.sshConfigFile === undefined ? [] : ['-F', target.sshConfigFile]),
    ...(target.user === undefined ? [] : ['-l', target.user]),
    ...(target.port === undefined ? [] : ['-p', String(target.port)]),
    '--',
    target.host,
  ]
}

/** `ssh -G` output, first value of each setting. */
export function parseSshG(output: string): SshSettings {
  const settings: SshSettings = new Map()
  for (const line of output.split('\n')) {
    const [name, ...words] = line.trim().split(/\s+/)
    if (name !== undefined && name !== '' && !settings.has(name)) settings.set(name, words)
  }
  return settings
}

const answers = new Map<string, { at: number; settings: Promise<SshSettings> }>()

/** What ssh resolves for `target`; rejects with ssh's own message when it cannot read its config. */
export function resolveSsh(target: ResolveTarget): Promise<SshSettings> {
  const args = buildResolveArgs(target)
  const key = args.join('\0')
  const now = performance.now()
  const kept = answers.get(key)
  if (kept !== undefined && now - kept.at < KEEP_MS) return kept.settings
  const settings = run('ssh', args).then(parseSshG)
  // A failure is an answer too (the same config fails the same way), and no unhandled rejection.
  settings.catch(() => {})
  answers.set(key, { at: now, settings })
  return settings
}

/** How many `ssh -G` processes this process has started: what the tests count. */
export function resolvesStarted(): number {
  return started
}

let started = 0
/** The same slot queue that holds back handshakes per jump host, here with one queue. */
const slots = new HandshakeGate(MAX_RUNNING)

async function run(file: string, args: string[]): Promise<string> {
  const free = await slots.acquire('ssh -G')
  try {
    started++
    return await new Promise((resolve, reject) => {
      execFile(file, args, { encoding: 'utf8', timeout: 10_000, env: process.env }, (error, stdout, stderr) => {
        if (error) reject(new Error(stderr.trim().split('\n').pop() || error.message))
        else resolve(stdout)
      })
    })
  } finally {
    free()
  }
}
