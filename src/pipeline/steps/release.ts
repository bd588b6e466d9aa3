/** release: write `REVISION` into the new release (replaced, never written through). */
import { writeRevision } from '../../remote/release.js'
import type { StepDef } from './types.js'

export const releaseStep: StepDef = {
  name: 'release',
  segment: 'prepare',
  builtin: {
    describe: () => 'write REVISION',
    command: (input) => writeRevision(input.layout, input.release, input.sha),
    joinsPrevious: true,
  },
}
