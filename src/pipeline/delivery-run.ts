/**
 * A deploy's side of the delivery seam: it gives the chosen strategy what it needs from
 * the run (a way to run berth's own commands on a host, and the local build reported
 * like a hook) and keeps the one delivery under way, started again if the release is
 * renamed once the hosts have answered.
 */
import type { Delivery, DeliveryContext, DeliveryInput, DeliveryStrategy, HostDelivery } from '../delivery/strategy.js'
import { HookError, toBerthError } from '../errors.js'
import { LocalTransport } from '../transport/local.js'
import { inDirectory } from '../remote/hooks.js'
import { execOn, type HostRun, type RunContext } from './context.js'
import type { DeployHost } from './deploy-host.js'

export class DeliveryRun {
  private current: Delivery | null = null
  private readonly context: DeliveryContext

  constructor(
    private readonly strategy: DeliveryStrategy,
    ctx: RunContext,
    private readonly hosts: DeployHost[],
    private readonly input: Omit<DeliveryInput, 'release' | 'workDir'> & { workDir: string | null },
  ) {
    this.context = deliveryContext(ctx, hosts)
  }

  start(release: string): void {
    if (this.input.workDir === null) return
    const view = this.hosts.map((host) => ({ host: host.host, state: host.state }))
    this.current = this.strategy.start(this.context, view, { ...this.input, release, workDir: this.input.workDir })
  }

  async restart(release: string): Promise<void> {
    await this.current?.close()
    this.start(release)
  }

  async forHosts(hosts: DeployHost[]): Promise<Map<string, HostDelivery>> {
    if (this.current === null) return new Map()
    return this.current.forHosts(hosts.map((host) => ({ host: host.host, state: host.state })))
  }

  /** The id of the artifact shipped, once `forHosts` has run (null: the delivery ships none). */
  async artifact(): Promise<string | null> {
    return (await this.current?.artifact?.()) ?? null
  }

  async recordLive(hosts: DeployHost[]): Promise<void> {
    await this.current?.recordLive(hosts.map((host) => ({ host: host.host, state: host.state })))
  }

  async close(): Promise<void> {
    await this.current?.close()
  }
}

const LOCAL: HostRun['host'] = { name: 'local', host: 'localhost', roles: ['all'], primary: false, transport: 'local' }

function deliveryContext(ctx: RunContext, hosts: DeployHost[]): DeliveryContext {
  const hostNamed = (name: string): DeployHost => hosts.find((host) => host.host.name === name)!
  return {
    config: ctx.config,
    layout: ctx.layout,
    report: ctx.report,
    cacheDir: ctx.cacheDir,
    cacheMaxBytes: ctx.cacheMaxBytes,
    exec: (name, command) => execOn(ctx, hostNamed(name), command, { step: 'fetch' }),
    execWithInput: (name, command, stdin, display) => execOn(ctx, hostNamed(name), command, { step: 'fetch', stdin, display }),
    async runLocal(command, cwd, env) {
      const local: HostRun = { host: LOCAL, transport: new LocalTransport('local'), state: null, failed: null }
      ctx.report({ kind: 'hook:start', host: 'local', hook: 'build (local)', command, local: true })
      const t0 = performance.now()
      try {
        await execOn(ctx, local, inDirectory(cwd, command), { step: 'fetch', env, display: command, showOutput: true })
      } catch (error) {
        throw new HookError('build (local)', toBerthError(error), { host: 'local', step: 'fetch' })
      }
      ctx.report({ kind: 'hook:done', host: 'local', hook: 'build (local)', durationMs: performance.now() - t0 })
    },
  }
}
