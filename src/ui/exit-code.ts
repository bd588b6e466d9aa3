/**
 * Why a command ended the way it did, in words, as zx does: a bare "exit code 127" sends
 * people searching, "command not found" does not. Signal numbers are the Linux ones, which
 * is what remote hosts almost always run.
 */

const SIGNAL_EXPLANATIONS: Record<number, string> = {
  1: 'SIGHUP: hung up',
  2: 'SIGINT: interrupted',
  6: 'SIGABRT: aborted',
  9: 'SIGKILL: killed, often by the out-of-memory killer',
  11: 'SIGSEGV: segmentation fault',
  13: 'SIGPIPE: broken pipe',
  15: 'SIGTERM: terminated',
}

const CODE_EXPLANATIONS: Record<number, string> = {
  126: 'found but not executable: check permissions',
  127: 'command not found: check PATH on the host',
  // OpenSSH uses 255 for its own failures, so a remote 255 is ambiguous.
  255: 'ssh failed to connect, or the command itself exited 255',
}

/**
 * Describes how a command ended: `exit code 127 (command not found: …)`,
 * `killed by SIGKILL`, `timed out`.
 */
export function explainExit(code: number | null, signal: string | null, timedOut: boolean): string {
  if (timedOut) return 'timed out'
  if (signal !== null) return `killed by ${signal}`
  if (code === null) return 'ended without an exit code'
  const why = explainCode(code)
  return why === undefined ? `exit code ${code}` : `exit code ${code} (${why})`
}

function explainCode(code: number): string | undefined {
  const known = CODE_EXPLANATIONS[code]
  if (known !== undefined) return known
  // Shells report death by signal N as exit code 128 + N.
  if (code > 128 && code < 160) return SIGNAL_EXPLANATIONS[code - 128] ?? `killed by signal ${code - 128}`
  return undefined
}
