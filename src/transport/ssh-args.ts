/**
 * The argv of every `ssh` invocation berth makes, as pure functions (unit-tested as
 * strings). One master connection per host per run carries every command: commands are
 * `ControlMaster=no` clients of it, so a dead master means a plain direct connection,
 * never a second master racing for the socket.
 */

export interface SshTarget {
  /** Address or ssh_config alias. */
  host: string
  user?: string
  port?: number
  /** Passed as `ssh -F`: then neither ~/.ssh/config nor /etc/ssh/ssh_config is read. */
  sshConfigFile?: string
  /** Never `no`: an unknown key is refused (`yes`) or recorded on first use (`accept-new`). */
  strictHostKeyChecking: 'yes' | 'accept-new'
  connectTimeoutMs: number
  forwardAgent: boolean
  /** The master's socket, in a private directory of this run. */
  controlPath: string
}

/** Options every invocation shares; the destination always comes last, after `--`. */
function buildCommonArgs(target: SshTarget): string[] {
  return [
    ...(target.sshConfigFile === undefined ? [] : ['-F', target.sshConfigFile]),
    ...(target.user === undefined ? [] : ['-l', target.user]),
    ...(target.port === undefined ? [] : ['-p', String(target.port)]),
    '-T',
    '-o', 'BatchMode=yes',
    '-o', `StrictHostKeyChecking=${target.strictHostKeyChecking}`,
    '-o', `ConnectTimeout=${Math.max(1, Math.ceil(target.connectTimeoutMs / 1000))}`,
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    '-o', `ForwardAgent=${target.forwardAgent ? 'yes' : 'no'}`,
    // Errors only: no "Permanently added ... to known hosts" in a command's output.
    '-o', 'LogLevel=ERROR',
    // `%` starts a token in ControlPath; the path is ours and must be taken literally.
    '-o', `ControlPath=${target.controlPath.replaceAll('%', '%%')}`,
  ]
}

/**
 * The master: authenticates, creates the control socket, and runs the session shell that
 * carries berth's short commands (`ssh-session.ts`). It ends when that shell does.
 */
export function buildMasterArgs(target: SshTarget): string[] {
  return [...buildCommonArgs(target), '-o', 'ControlMaster=yes', '-o', 'ControlPersist=no', '--', target.host, SESSION_COMMAND]
}

/** The session shell's command: reads commands from stdin. */
const SESSION_COMMAND = 'sh -s'

/** One command over the master (or, if it is gone, over a connection of its own). */
export function buildExecArgs(target: SshTarget, remoteCommand: string): string[] {
  return [...buildCommonArgs(target), '-o', 'ControlMaster=no', '--', target.host, remoteCommand]
}

/** `ssh -O exit|check` for this host's master. */
export function buildControlArgs(target: SshTarget, operation: 'exit' | 'check'): string[] {
  return [...buildCommonArgs(target), '-O', operation, '--', target.host]
}
