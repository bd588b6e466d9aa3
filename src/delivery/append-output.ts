/**
 * Runs a command on the deploying machine and appends its stdout to a file: how release
 * streams are assembled from `git archive` and `tar -c` pieces. Resolves once the command
 * exited cleanly and every byte is on disk; otherwise rejects with its stderr.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'

export function appendOutput(file: string, command: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = createWriteStream(file, { flags: 'a' })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.pipe(out)
    child.on('error', reject)
    let exitCode: number | null = null
    let pending = 2
    const settle = (): void => {
      if (--pending > 0) return
      if (exitCode === 0) resolve()
      else reject(new Error(stderr.trim() || `${command} exited with code ${exitCode}`))
    }
    out.on('close', settle)
    child.on('close', (code) => {
      exitCode = code
      settle()
    })
  })
}
