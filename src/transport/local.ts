/**
 * Runs commands on this machine (`transport: local`): the same `sh -c` commands a remote
 * host would get, with no SSH in between. Used for single-machine deploys and as the
 * fast path of the test suite.
 */
import { PassThrough } from 'node:stream'
import { runProcess } from './process.js'
import { buildRemoteScript } from './ssh-script.js'
import type { ExecOptions, ExecResult, Transport } from './types.js'

export class LocalTransport implements Transport {
  readonly kind = 'local'
  constructor(readonly host: string) {}

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const spec = { env: { ...process.env, ...options.env } }
    if (options.brief === true || options.stdin !== undefined) {
      return runProcess(this.host, { file: 'sh', args: ['-c', command], ...spec }, options.display ?? command, options)
    }
    // A hook or any command that may run long: fed as the ssh transport feeds a host, with a
    // watchdog on stdin that stops its process group when berth's end closes, so a berth that
    // is killed (SIGKILL) does not leave it running here either. berth's own short scripts
    // (`brief`) skip this: they cost no extra process.
    const feed = new PassThrough()
    feed.write(buildRemoteScript(command))
    return runProcess(this.host, { file: 'sh', args: ['-s'], ...spec }, options.display ?? command, { ...options, stdin: feed }).finally(() => feed.end())
  }

  async close(): Promise<void> {}
}
