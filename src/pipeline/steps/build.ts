/**
 * build: the config's `build` hooks on the hosts (installing dependencies, say). Berth's
 * own work comes first: each `reuse` directory whose key is unchanged since the live
 * release is copied from it (`remote/reuse.ts`), and the hooks that install only such
 * directories are then skipped on that host (`execute.ts`).
 */
import { depsName, REUSED_MARK, reuseDependencies } from '../../remote/reuse.js'
import { transition } from '../deploy-host.js'
import type { StepDef } from './types.js'

export const buildStep: StepDef = {
  name: 'build',
  segment: 'prepare',
  builtin: {
    describe: ({ config }) =>
      config.reuse.length === 0 ? '' : `take ${config.reuse.map((entry) => entry.path).join(', ')} from the live release where the key (lockfile, runtime) is unchanged`,
    command: (input, facts) => reuseDependencies(input.layout, input.release, facts === null ? '<live release>' : facts.host.previous, input.config.reuse),
    joinsPrevious: true,
    // The copy of a large directory, and the user's `runtime` command: a process Ctrl-C can stop.
    isLong: () => true,
    done(_ctx, facts, input, _stderr, stdout) {
      const copied = new Set(stdout.split('\n').filter((line) => line.startsWith(REUSED_MARK)).map((line) => line.slice(REUSED_MARK.length)))
      transition.reused(facts.host, input.config.reuse.filter((entry) => copied.has(depsName(entry.path))).map((entry) => entry.path))
    },
  },
}
