/**
 * Which failed handshakes are worth another try, and when. sshd refuses a connection past
 * `MaxStartups` by closing it before the key exchange; through a jump host the reset
 * reaches ssh as one of the lines below. Those, and only those, are retried: the server
 * said nothing about who we are. A host-key or authentication failure is never retried
 * (it would only repeat, or worse, look like guessing), nor is anything after the
 * handshake: a master that never came up ran no command, so a retry is always safe.
 */

/** ssh's own lines for a connection dropped before or during the key exchange. */
const DROPPED_HANDSHAKE: readonly RegExp[] = [
  /^kex_exchange_identification: (read: )?Connection (reset by peer|closed by remote host)/,
  /^ssh_exchange_identification: /,
  /^Connection (closed|reset) by \S+ port \d+/,
  /^Connection reset by peer/,
  /^banner exchange: .*(Connection reset by peer|Connection closed)/,
]

/**
 * Lines that mean the server answered and refused us, or was never reached (a jump host
 * that is down makes ssh add "Connection closed by UNKNOWN port 65535"): never retried,
 * whatever else ssh printed.
 */
const NEVER_RETRIED: readonly RegExp[] = [
  /^ssh: connect to host /,
  /^ssh: Could not resolve hostname/,
  /Host key verification failed/,
  /REMOTE HOST IDENTIFICATION HAS CHANGED/,
  /^Host key for .* has changed/,
  /No \S+ host key is known for/,
  /Permission denied \(/,
  /Too many authentication failures/,
]

export function isDroppedHandshake(stderr: string): boolean {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim())
  if (lines.some((line) => NEVER_RETRIED.some((pattern) => pattern.test(line)))) return false
  return lines.some((line) => DROPPED_HANDSHAKE.some((pattern) => pattern.test(line)))
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number
  /** The first wait's upper bound; each later one doubles it. */
  baseMs: number
  maxMs: number
}

/** Four tries over about 3 s at most: enough for a bastion's queue of handshakes to move. */
export const HANDSHAKE_RETRY: RetryPolicy = { attempts: 4, baseMs: 300, maxMs: 2_000 }

/**
 * "Equal jitter": a random wait between half the exponential bound and the bound, so the
 * hosts a bastion dropped together do not all come back together, yet each waits a while.
 */
export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxMs, policy.baseMs * 2 ** retry)
  return Math.round(bound / 2 + (random() * bound) / 2)
}

/**
 * Runs `attempt` until it succeeds, fails for another reason, or the tries run out; the
 * last error is thrown as it is. `stderrOf` reads what ssh said from a failure.
 */
export async function retryDroppedHandshake<T>(
  attempt: () => Promise<T>,
  stderrOf: (error: unknown) => string | undefined,
  options: { policy?: RetryPolicy; signal?: AbortSignal; random?: () => number; onRetry?: (retry: number, waitMs: number) => void } = {},
): Promise<T> {
  const policy = options.policy ?? HANDSHAKE_RETRY
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      const stderr = stderrOf(error)
      const last = retry + 1 >= policy.attempts
      if (last || stderr === undefined || !isDroppedHandshake(stderr) || options.signal?.aborted === true) throw error
      const waitMs = backoffMs(policy, retry, options.random)
      options.onRetry?.(retry + 1, waitMs)
      await new Promise((resolve) => setTimeout(resolve, waitMs))
    }
  }
}
