/**
 * Rolling switch (`rollout: { batch, pause }`): hosts go live a batch at a time, each batch
 * switched, restarted and verified before the next starts. Without `rollout` the whole
 * fleet is one batch. A failure in a batch puts it and every batch before it back.
 */
import { interrupted } from './context.js'

export function rolloutBatches<T>(runs: T[], batchSize?: number): T[][] {
  if (batchSize === undefined || batchSize >= runs.length) return [runs]
  const batches: T[][] = []
  for (let i = 0; i < runs.length; i += batchSize) batches.push(runs.slice(i, i + batchSize))
  return batches
}

/** Waits between batches; Ctrl-C cuts the wait short. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(interrupted('switch'))
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
}
