/**
 * Rendered templates (README, "Templates") into `shared/`, from the archive on stdin:
 * entries `0`, `1`, ... in the order of `dests`. The archive is unpacked into a directory
 * only its owner can enter (in `.berth/`), each file is copied beside its destination
 * into a file made 0600 before anything is written to it, then renamed over the
 * destination (rename(2) is atomic: the app never reads half a file, and a symlink at
 * the destination is replaced, never written through). The unpacked copies are removed
 * (and any copy left beside) whether or not that worked. Contents only ever travel on stdin, never in the command.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { all, script, sequence } from './script.js'
import { refuseSymlinkedParents } from './shared.js'

/** Where the archive is unpacked on the host while the templates are put in place. */
const templateStaging = (layout: Layout, id: string): string => posix.join(layout.berth, `templates-${id}`)

export function installTemplates(layout: Layout, id: string, dests: readonly string[]): string {
  if (dests.length === 0) return ''
  const staging = templateStaging(layout, id)
  const beside = (dest: string): string => posix.join(layout.shared, posix.dirname(dest), `.${posix.basename(dest)}.berth-${id}`)
  const install = dests.map((dest, i) => {
    const target = posix.join(layout.shared, dest)
    const isDirectory = `berth: template ${dest}: shared/${dest} is a directory; a template is written as a file. Move the directory away, or choose another dest`
    return sequence(
      ...refuseSymlinkedParents(layout.shared, dest, (parent) => `berth: template ${dest}: shared/${parent} is a symlink; berth never writes a template through a symlink (it could lead out of shared/)`),
      `if [ -d ${q(target)} ] && [ ! -L ${q(target)} ]; then echo ${q(isDirectory)} >&2; exit 1; fi`,
      all(
        shellJoin(['mkdir', '-p', posix.dirname(target)]),
        shellJoin(['rm', '-f', beside(dest)]),
        `: > ${q(beside(dest))}`,
        shellJoin(['chmod', '600', beside(dest)]),
        `cat ${q(posix.join(staging, String(i)))} >> ${q(beside(dest))}`,
        shellJoin(['mv', '-f', '-T', beside(dest), target]),
      ),
    )
  })
  const unpack = all(shellJoin(['rm', '-rf', staging]), shellJoin(['mkdir', '-m', '700', staging]), shellJoin(['tar', '-x', '-f', '-', '--no-same-owner', '-C', staging]))
  // The subshell keeps a failure's `exit` from skipping the removal of the copies (a file
  // renamed in is no longer beside, so removing them all afterwards is safe).
  const copies = shellJoin(['rm', '-rf', staging, ...dests.map(beside)])
  return script(`(\n${sequence(unpack, ...install)}\n)`, 'berth_status=$?', copies, '[ "$berth_status" -eq 0 ] || exit "$berth_status"')
}
