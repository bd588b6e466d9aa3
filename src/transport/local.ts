/**
 * Runs commands on this machine (`transport: local`): the same `sh -c` commands a remote
 * host would get, with no SSH in between. Used for single-machine deploys and as the
 * fast path of the test suite.
 */
import { runProcess } from './process.js'
import type { ExecOptions, ExecResult, Transport } from './types.js'

export class LocalTransport implements Transport {
  readonly kind = 'local'
  constructor(readonly host: string) {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return runProcess(
      this.host,
      { file: 'sh', args: ['-c', command], env: { ...process.env, ...options.env } },
      options.display ?? command,
      options,
    )
  }

  async close(): Promise<void> {}
}
