/**
 * A bounded pool that settles every item: no host is abandoned mid-step because another
 * failed, and the caller sees each result tagged with its item.
 */
import { BugError } from '../errors.js'

export type Settled<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: unknown }

export async function settleAll<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<Settled<T, R>[]> {
  assertConcurrency(concurrency)
  const results: Settled<T, R>[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      const item = items[index]!
      try {
        results[index] = { item, ok: true, value: await fn(item) }
      } catch (error) {
        results[index] = { item, ok: false, error }
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker)
  await Promise.all(workers)
  return results
}

/**
 * Starts `fn` for every item, at most `concurrency` at once, and hands back each item's
 * promise right away, so callers can await them later, one by one, while others go on.
 * Rejections are left to those awaits (none is reported as unhandled).
 */
export function startBounded<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Map<T, Promise<R>> {
  // Checked here too: the pool below runs detached, where a rejection would go unseen.
  assertConcurrency(concurrency)
  const promises = new Map<T, Promise<R>>()
  const gates = items.map((item) => {
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const promise = gate.then(() => fn(item))
    promise.catch(() => {})
    promises.set(item, promise)
    return { open, promise }
  })
  void settleAll(gates, concurrency, async (g) => {
    g.open()
    await g.promise
  })
  return promises
}

/**
 * The CLI rejects a bad `--concurrency`; a value that still gets here is a bug. Without
 * this, `NaN` makes no workers at all: every host "settles" without running, and a deploy
 * reports success having done nothing (and holding the lock it never got to free).
 */
function assertConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new BugError(`concurrency must be a whole number ≥ 1, got ${concurrency}`)
}
