/**
 * Writing to a stream that may close under us: `berth deploy production | head` closes
 * stdout after a few lines, a CI runner may close stderr. Node reports that as an 'error'
 * event (EPIPE) on the stream, which kills the process when nobody listens: a deploy
 * would die between the switch and the unlock. Output that cannot be written is dropped
 * instead (README, "Signals and closed output"), and the run goes on to its
 * normal end: locks freed, history written, the usual exit code.
 */

/** The part of a stream this needs, so tests can pass a fake one. */
export interface OutputStream {
  write(text: string): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** A write function that never throws and stops writing once the stream has failed. */
export function createSafeWriter(stream: OutputStream): (text: string) => void {
  let isBroken = false
  stream.on('error', () => {
    isBroken = true
  })
  return (text) => {
    if (isBroken) return
    try {
      stream.write(text)
    } catch {
      // A stream already destroyed may throw instead of emitting: the same, dropped.
      isBroken = true
    }
  }
}
