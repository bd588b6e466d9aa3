/**
 * The one way tests wait for something to happen: poll the real condition (a file, a
 * process, a lock) rather than sleep for a time that is too long on a fast machine and too
 * short on a loaded one.
 */

/** Polls `check` every 20 ms until it holds, or fails the test after `timeoutMs`, naming `what`. */
export async function waitFor(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
