/**
 * lock: take the deploy lock on every host (`mkdir`, atomic) and, in the same round trip,
 * read what the deploy needs to know about the host (where `current` points, releases,
 * records, what the delivery asks for). Taken on every host at once by `../lock.ts`.
 */
import { script } from '../../remote/script.js'
import { RemoteCommandError } from '../../errors.js'
import { takeLock } from '../../remote/lock.js'
import { inspectHost } from '../../remote/inspect.js'
import { transition, type DeployHost } from '../deploy-host.js'
import { acquireLocks } from '../lock.js'
import type { RunContext } from '../context.js'
import type { StepDef } from './types.js'

export const lockStep: StepDef = {
  name: 'lock',
  segment: 'open',
  builtin: {
    describe: () => 'take the deploy lock and read the host state',
    command: (input) => script(takeLock(input.layout, input.holder), inspectHost(input.layout, input.delivery.inspect)),
  },
  async runFleet(ctx, hosts, input) {
    const active = hosts.filter((host) => host.failed === null)
    await acquireLocks(ctx, active, { command: input.holder.command, waitMs: input.lockWaitMs, inspect: input.delivery.inspect, holder: input.holder })
    for (const host of active) transition.locked(host, host.state!)
    refuseDirectoryCurrent(ctx, active)
  },
}

/** A real directory at `current` would make the switch impossible: refuse before changing anything. */
function refuseDirectoryCurrent(ctx: RunContext, hosts: DeployHost[]): void {
  for (const host of hosts) {
    if (host.state?.currentIsDirectory) {
      throw new RemoteCommandError({
        host: host.host.name,
        step: 'lock',
        command: `test -L ${ctx.layout.current}`,
        exitCode: 1,
        signal: null,
        outputTail: [`${ctx.layout.current} is a real directory, not a symlink`],
        hint: `move ${ctx.layout.current} out of the way (berth never deletes it), then deploy again`,
      })
    }
  }
}

