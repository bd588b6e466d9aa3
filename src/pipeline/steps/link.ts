/**
 * link: the config's templates, rendered on this machine, written into `shared/` (their
 * contents on stdin), then each shared file and directory symlinked from `shared/` into
 * the new release, the templates' destinations with the shared files.
 */
import { sharedEntries } from '../../config/shared-entries.js'
import { linkShared } from '../../remote/shared.js'
import { script } from '../../remote/script.js'
import { installTemplates } from '../../remote/templates.js'
import type { StepDef, StepInput } from './types.js'

const templateDests = (input: StepInput): string[] => input.config.templates.map((template) => template.dest)

export const linkStep: StepDef = {
  name: 'link',
  segment: 'prepare',
  builtin: {
    describe: ({ config }) => {
      const shared = sharedEntries(config)
      const entries = [...shared.dirs, ...shared.files]
      const rendered = config.templates.map((template) => `${template.src} → shared/${template.dest}`)
      return [entries.length === 0 ? '' : `link from shared/: ${entries.join(', ')}`, rendered.length === 0 ? '' : `render templates (0600): ${rendered.join(', ')}`]
        .filter((part) => part !== '')
        .join('; ')
    },
    command: (input) =>
      script(
        installTemplates(input.layout, input.release, templateDests(input)),
        linkShared(input.layout, input.release, sharedEntries(input.config)),
      ),
    // The fetch round trip's stdin is the release itself: templates need a round trip of their own.
    joinsPrevious: (input) => input.config.templates.length === 0,
    stdin: (_facts, input) => (input.templates === undefined ? undefined : () => input.templates!.open()),
  },
}
