/**
 * The maintenance page (README, "Maintenance page"): a file in `shared/` that the web
 * server serves with status 503 while it exists. The page's HTML travels on stdin, never
 * in argv; it is written beside its final name and renamed in, so the web server never
 * serves half a page.
 *
 * Who put the page up is kept in `.berth/maintenance` (the run's token): a deploy takes
 * down only a page it put up itself, so a page an operator put up by hand (an incident)
 * stays up through a deploy, and a deploy's page taken down by hand is not put back.
 */
import { posix } from 'node:path'
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'
import { ensureDir } from './directories.js'
import { all, script } from './script.js'

/** Where the page goes when the config does not say. */
export const DEFAULT_MAINTENANCE_PATH = 'public/maintenance.html'

/** A deploy's page left in place because someone put one up by hand: said on stderr as this. */
export const KEPT_BY_HAND = 'berth: maintenance page already up by hand: '

export function maintenancePage(layout: Layout, path: string): string {
  return posix.join(layout.shared, path)
}

function ownerFile(layout: Layout): string {
  return posix.join(layout.berth, 'maintenance')
}

/**
 * Puts the page (read from stdin) up. `owner`: the deploy's token; a deploy leaves a page
 * put up by hand alone (and says so). Without an owner (`berth maintenance on`) the page
 * is the operator's from now on, whoever put it up before.
 */
export function putUpMaintenance(layout: Layout, path: string, owner: string | null): string {
  const page = maintenancePage(layout, path)
  const dir = posix.dirname(page)
  // `$$` (this shell's pid) keeps two writers at once from sharing a temporary file.
  const temp = `${q(posix.join(dir, `.${posix.basename(page)}.berth-new`))}.$$`
  // Every way out reads stdin to its end first: a writer whose reader left early gets EPIPE.
  const fail = `${DRAIN}; exit 1`
  const write = `{ ${all(ensureDir(dir), `cat > ${temp}`, `mv -f -T ${temp} ${q(page)}`)}; } || { rm -f ${temp}; ${fail}; }`
  const refuseDirectory = `if [ -d ${q(page)} ] && [ ! -L ${q(page)} ]; then echo ${q(`berth: ${page} is a directory: berth puts the maintenance page there only as a file`)} >&2; ${fail}; fi`
  if (owner === null) return subshell(script('umask 022', refuseDirectory, write, `rm -f ${q(ownerFile(layout))}`))
  const byHand = `{ [ -e ${q(page)} ] || [ -L ${q(page)} ]; } && [ ! -f ${q(ownerFile(layout))} ]`
  const keep = `echo ${q(`${KEPT_BY_HAND}${page} stays as it is, and up after this deploy`)} >&2; ${DRAIN}`
  const claim = all(ensureDir(layout.berth), `printf '%s\\n' ${q(owner)} > ${q(ownerFile(layout))}`)
  return subshell(script('umask 022', refuseDirectory, `if ${byHand}; then ${keep}; exit 0; fi`, `${claim} || { ${fail}; }`, write))
}

/**
 * Takes the page down. `owner`: only if that deploy put it up (and nobody has put one up
 * by hand since). Without an owner (`berth maintenance off`) whoever put it up.
 */
export function takeDownMaintenance(layout: Layout, path: string, owner: string | null): string {
  const page = maintenancePage(layout, path)
  const remove = all(`rm -f ${q(page)}`, `rm -f ${q(ownerFile(layout))}`)
  if (owner === null) return remove
  return `if [ -f ${q(ownerFile(layout))} ] && [ "$(cat ${q(ownerFile(layout))})" = ${q(owner)} ]; then ${remove}; fi`
}

const DRAIN = 'cat > /dev/null'

/** A subshell: `umask` and `exit` stay inside it (berth may run later commands in the same shell). */
function subshell(fragment: string): string {
  return `(\n${fragment}\n)`
}
