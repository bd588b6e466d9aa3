/**
 * The text files a loopback fleet needs: one `sshd_config` per daemon, the client's
 * `ssh_config` (one `Host` block per fleet host, the way a user's `~/.ssh/config` would
 * read) and a `known_hosts` holding the real host keys. Pure string builders, so the
 * fleet fixture itself only deals with processes.
 */

export interface SshdConfigInput {
  address: string
  port: number
  hostKeyFile: string
  /** Shared by every host of a fleet: the one client key that may log in. */
  authorizedKeysFile: string
}

/** Key-only login, no PAM, nothing a real server would not also allow. */
export function buildSshdConfig(input: SshdConfigInput): string {
  return [
    `ListenAddress ${input.address}`,
    `Port ${input.port}`,
    `HostKey ${input.hostKeyFile}`,
    // The fleet's files live under a temp dir whose parents sshd's StrictModes rejects.
    `AuthorizedKeysFile ${input.authorizedKeysFile}`,
    'StrictModes no',
    'PidFile none',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // A bastion must forward TCP for ProxyJump; harmless on the other hosts.
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
    // INFO logs "Server listening" (readiness) and "Accepted publickey" (connection counts).
    'LogLevel INFO',
    '',
  ].join('\n')
}

export interface ClientHostBlock {
  name: string
  address: string
  port: number
  user: string
  proxyJump?: string
}

export interface ClientConfigInput {
  hosts: ClientHostBlock[]
  identityFile: string
  knownHostsFile: string
}

/** An `ssh_config` for `ssh -F`: nothing is read from `~/.ssh` or `/etc/ssh`. */
export function buildClientConfig(input: ClientConfigInput): string {
  const blocks = input.hosts.map((host) =>
    [
      `Host ${host.name}`,
      `  HostName ${host.address}`,
      `  Port ${host.port}`,
      `  User ${host.user}`,
      ...(host.proxyJump === undefined ? [] : [`  ProxyJump ${host.proxyJump}`]),
    ].join('\n'),
  )
  const defaults = [
    'Host *',
    `  IdentityFile ${input.identityFile}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${input.knownHostsFile}`,
    '  GlobalKnownHostsFile /dev/null',
    // The jump connection of ProxyJump does not inherit `-o` options from the command
    // line, only this file: keep it from ever prompting or rewriting known_hosts.
    '  BatchMode yes',
    '  StrictHostKeyChecking yes',
    '  UpdateHostKeys no',
  ].join('\n')
  return `${blocks.join('\n\n')}\n\n${defaults}\n`
}

/** One `known_hosts` line; a non-22 port is written as `[address]:port`, as ssh does. */
export function buildKnownHostsLine(address: string, port: number, publicKey: string): string {
  const [type, key] = publicKey.trim().split(/\s+/)
  const pattern = port === 22 ? address : `[${address}]:${port}`
  return `${pattern} ${type} ${key}`
}
