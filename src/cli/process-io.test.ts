import { describe, expect, it } from 'vitest'
import { signalExitCode } from './process-io.js'

describe('signalExitCode', () => {
  it('is what a shell reports for a process stopped by that signal', () => {
    expect(signalExitCode('SIGINT')).toBe(130)
    expect(signalExitCode('SIGTERM')).toBe(143)
    expect(signalExitCode('SIGHUP')).toBe(129)
  })
})
