/**
 * How many ssh handshakes may be under way at once on one egress path. Hosts reached
 * through the same jump host (or ProxyCommand) make their handshakes on that one sshd,
 * whose default `MaxStartups 10:30:100` starts dropping connections at 10 unauthenticated
 * at once: a run that opens 30 masters at once must queue there, while hosts reached
 * directly each have their own sshd and are not held back. A handshake holds its slot
 * until the master is up (or failed), which is longer than the jump host needs, but the
 * only moment berth can see.
 */
import { InterruptedError } from '../errors.js'

/** Below sshd's default `MaxStartups` start (10), with room for other users of the bastion. */
const HANDSHAKES_PER_PATH = 8

interface PathQueue {
  active: number
  waiting: (() => void)[]
}

export class HandshakeGate {
  private readonly paths = new Map<string, PathQueue>()

  constructor(private readonly limit: number = HANDSHAKES_PER_PATH) {}

  /**
   * Waits for a slot on `path` (undefined: a direct connection, never held back) and
   * resolves with the function that frees it; an abort while waiting rejects.
   */
  async acquire(path: string | undefined, options: { host?: string; signal?: AbortSignal } = {}): Promise<() => void> {
    if (path === undefined) return () => {}
    const queue = this.paths.get(path) ?? { active: 0, waiting: [] }
    this.paths.set(path, queue)
    if (queue.active >= this.limit) await this.wait(queue, options)
    queue.active++
    let freed = false
    return () => {
      if (freed) return
      freed = true
      queue.active--
      queue.waiting.shift()?.()
    }
  }

  /** Handshakes under way on `path` (for tests and the bench). */
  active(path: string): number {
    return this.paths.get(path)?.active ?? 0
  }

  private wait(queue: PathQueue, options: { host?: string; signal?: AbortSignal }): Promise<void> {
    const { signal, host } = options
    return new Promise((resolve, reject) => {
      const interrupted = (): InterruptedError => new InterruptedError(`interrupted while waiting to connect to ${host ?? 'a host'}`, host === undefined ? {} : { host })
      if (signal?.aborted === true) return reject(interrupted())
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        queue.waiting.splice(queue.waiting.indexOf(wake), 1)
        reject(interrupted())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      queue.waiting.push(wake)
    })
  }
}
