/**
 * Counts what a tool's ssh clients send to the hosts: an `ssh` first on PATH that runs the
 * real one with `-E LOG -o LogLevel=VERBOSE` (first -o wins), so each connection (berth's
 * masters, rsync's ssh) logs "Transferred: sent N, received M bytes" when it closes.
 * Only for untimed runs: the shim is one more exec per ssh.
 */
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TrafficMeter {
  env: NodeJS.ProcessEnv
  reset(): void
  /** Total bytes sent by every ssh client since the last reset. */
  sentBytes(): number
}

export function createTrafficMeter(dir: string, realSsh = '/usr/bin/ssh'): TrafficMeter {
  const bin = join(dir, 'bin')
  const logs = join(dir, 'logs')
  mkdirSync(bin, { recursive: true })
  mkdirSync(logs, { recursive: true })
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec ${realSsh} -E "${logs}/ssh.$$.log" -o LogLevel=VERBOSE "$@"\n`)
  chmodSync(join(bin, 'ssh'), 0o755)
  return {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    reset: () => {
      for (const file of readdirSync(logs)) rmSync(join(logs, file), { force: true })
    },
    sentBytes: () =>
      readdirSync(logs)
        .map((file) => readFileSync(join(logs, file), 'utf8'))
        .flatMap((text) => [...text.matchAll(/Transferred: sent (\d+), received \d+ bytes/g)].map((m) => Number(m[1])))
        .reduce((a, b) => a + b, 0),
  }
}
