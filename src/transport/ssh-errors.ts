/**
 * Telling ssh's own failures apart from the remote command's. ssh exits 255 when it
 * fails, but so can a command; the difference is what ssh printed. These patterns are
 * OpenSSH's own messages (with `LogLevel=ERROR`, ssh prints nothing else), anchored at
 * the start of a line so a command's output rarely matches by accident.
 */
import { TransportError } from '../errors.js'
import { shellJoin } from './quote.js'

type SshFailureKind =
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'auth'
  | 'refused'
  | 'timeout'
  | 'resolve'
  | 'closed'
  | 'config'
  | 'multiplex'

export interface SshFailure {
  kind: SshFailureKind
  /** ssh's own line that says what happened. */
  detail: string
  /** For a changed host key: the key the server sent now, and ssh's own command to forget the old one. */
  fingerprint?: string
  removeWith?: string
}

/**
 * First match wins: a changed key (whose report ends in "Host key verification failed")
 * before an unknown one. For a changed key, ssh's one-line summary makes a better detail
 * than the banner that opens its report, so it is looked for first.
 */
const PATTERNS: [SshFailureKind, RegExp][] = [
  ['host-key-changed', /^Host key for .* has changed/],
  ['host-key-changed', /^@+\s*WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED/],
  ['host-key-unknown', /^(No \S+ host key is known for|Host key verification failed\.)/],
  ['auth', /^(\S+@\S+: )?Permission denied \(|^Too many authentication failures|^Received disconnect from .*Too many authentication/],
  ['refused', /^ssh: connect to host .*: (Connection refused|No route to host|Network is unreachable)/],
  ['timeout', /^ssh: connect to host .*: (Connection|Operation) timed out|timed out during banner exchange|^Timeout, server .* not responding/],
  ['resolve', /^ssh: Could not resolve hostname/],
  [
    'closed',
    /^(kex_exchange_identification:|Connection (closed|reset) by|Connection to .* closed|client_loop: |ssh_dispatch_run_fatal|Broken pipe|channel \d+: open failed|stdio forwarding failed|banner exchange:)/,
  ],
  ['config', /^(.*line \d+: Bad configuration option|.*: terminating, \d+ bad configuration options|Bad owner or permissions on|Can't open user config file)/],
  ['multiplex', /^(mux_client_|Control socket connect|ControlSocket .* already exists|muxclient: )/],
]

export function classifySshStderr(stderr: string): SshFailure | undefined {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim())
  for (const [kind, pattern] of PATTERNS) {
    const detail = lines.find((line) => pattern.test(line))
    if (detail === undefined) continue
    if (kind !== 'host-key-changed') return { kind, detail }
    // ssh's report: "...key sent by the remote host is\nSHA256:xxx." and "remove with:\n  ssh-keygen -f FILE -R HOST"
    const fingerprint = lines.find((line) => /^SHA256:\S+$/.test(line))?.replace(/\.$/, '')
    const removeWith = lines.find((line) => line.startsWith('ssh-keygen ') && line.includes(' -R '))
    return { kind, detail, ...(fingerprint === undefined ? {} : { fingerprint }), ...(removeWith === undefined ? {} : { removeWith }) }
  }
  return undefined
}

export interface SshEndpoint {
  /** As written in the config. */
  name: string
  /** Address or alias given to ssh, with the user when one is configured. */
  destination: string
}

/**
 * The command a hint asks the user to paste, quoted like every command berth builds: a host
 * or login is checked when the config loads, and this keeps a hint safe to paste even so.
 */
export function pasteable(...argv: string[]): string {
  return `\`${shellJoin(argv)}\``
}

/** A `TransportError` that names the host, says what ssh saw and what to do about it. */
export function toTransportError(failure: SshFailure, endpoint: SshEndpoint, step?: string): TransportError {
  const { name, destination } = endpoint
  const host = destination.replace(/^.*@/, '')
  const [what, hint] = ((): [string, string] => {
    switch (failure.kind) {
      case 'host-key-changed':
        return [
          'host key does not match known_hosts',
          `the host key of ${host}${failure.fingerprint === undefined ? '' : ` is now ${failure.fingerprint} and`} does not match known_hosts: ` +
            `if the server was really reinstalled (check that fingerprint), remove the old key with ${failure.removeWith === undefined ? pasteable('ssh-keygen', '-R', host) : `\`${failure.removeWith}\``} and connect again`,
        ]
      case 'host-key-unknown':
        return [
          'host key is not known',
          `add the host key to known_hosts (${pasteable('ssh', destination)} once and check the fingerprint), or set \`ssh.strictHostKeyChecking: accept-new\` to record it on first use`,
        ]
      case 'auth':
        return ['authentication failed', `check the user and key berth uses: run ${pasteable('ssh', '-v', destination)}`]
      case 'refused':
        return ['connection refused', `is sshd running on ${host}, and is the port right? run ${pasteable('ssh', '-v', destination)}`]
      case 'timeout':
        return ['connection timed out', `is ${host} up and reachable from here? run ${pasteable('ssh', '-v', destination)}`]
      case 'resolve':
        return ['host name does not resolve', `check the host name, or add a Host block for it to your ssh config`]
      case 'closed':
        return ['connection closed', `the server or the network dropped the connection: run ${pasteable('ssh', '-v', destination)}`]
      case 'config':
        return ['ssh configuration error', 'fix the ssh_config file ssh reported']
      case 'multiplex':
        return ['shared connection failed', `the connection to ${host} was lost: run again`]
    }
  })()
  return new TransportError(`cannot run on ${name}: ${what} (${failure.detail})`, { host: name, step, hint })
}
