/** link: symlink each shared file and directory from `shared/` into the new release. */
import { linkShared } from '../../remote/shared.js'
import type { StepDef } from './types.js'

export const linkStep: StepDef = {
  name: 'link',
  segment: 'prepare',
  builtin: {
    describe: ({ config }) => {
      const entries = [...config.shared.dirs, ...config.shared.files]
      return entries.length === 0 ? '' : `link from shared/: ${entries.join(', ')}`
    },
    command: (input) => linkShared(input.layout, input.release, input.config.shared),
    joinsPrevious: true,
  },
}
