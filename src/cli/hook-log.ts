/**
 * The full output of every hook of a deploy, kept on this machine in
 * `.berth/log/<release>.log` beside the config file (README, "Hooks"). A terminal shows
 * each host's newest line and a failure's last lines; this file has every line, for
 * reading after the fact. Created 0600 and masked like the terminal: hook output may
 * still hold what the masking does not know to mask.
 */
import { closeSync, fchmodSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { BerthEvent } from '../events.js'
import type { Redact } from '../ui/redact.js'

export interface HookLog {
  record(event: BerthEvent): void
  /** The file, once a hook wrote to it; undefined while no hook ran. */
  path(): string | undefined
  close(): void
}

export function createHookLog(projectDir: string, redact: Redact, now: () => Date = () => new Date()): HookLog {
  let release: string | undefined
  let fd: number | undefined
  let file: string | undefined
  let isBroken = false

  const open = (): number | undefined => {
    if (fd !== undefined || release === undefined || isBroken) return fd
    try {
      const dir = join(projectDir, '.berth', 'log')
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      // berth's own files stay out of the repo: an untracked log would read as a change not deployed.
      writeFileSync(join(projectDir, '.berth', '.gitignore'), '*\n', { mode: 0o600 })
      file = join(dir, `${release}.log`)
      fd = openSync(file, 'a', 0o600)
      fchmodSync(fd, 0o600)
    } catch {
      // A log that cannot be written must not stop a deploy: the terminal still shows the failures.
      isBroken = true
      file = undefined
    }
    return fd
  }
  const write = (line: string): void => {
    const target = open()
    if (target === undefined) return
    try {
      writeSync(target, `${redact(line)}\n`)
    } catch {
      isBroken = true
    }
  }

  return {
    record(event) {
      switch (event.kind) {
        case 'run:start':
          // `berth ui` runs one deploy after another in one process: each goes to its own file
          // (a rollback makes no release, and keeps no log, as on the command line).
          if (fd !== undefined) closeSync(fd)
          fd = undefined
          file = undefined
          release = event.release
          return
        case 'hook:start':
          return write(`${now().toISOString()} ${event.host} hook ${event.hook}${event.local ? ' (local)' : ''}: ${event.command}`)
        case 'output':
          return write(`${event.host} ${event.stream === 'stderr' ? '!' : '|'} ${event.line}`)
        case 'hook:done':
          return write(`${now().toISOString()} ${event.host} hook ${event.hook} done in ${event.durationMs}ms`)
        case 'host:step':
          if (event.status === 'failed' && fd !== undefined) write(`${now().toISOString()} ${event.host} ${event.step} failed: ${event.error?.message ?? ''}`)
          return
        default:
          return
      }
    },
    path: () => (fd === undefined ? undefined : file),
    close() {
      if (fd !== undefined) closeSync(fd)
    },
  }
}
