/**
 * Reading a release's files back from a host, for `promote` when this machine does not have
 * the artifact (README, "Promoting a release"): the paths named on stdin (NUL-separated: a
 * path may hold any byte but NUL) as one tar, base64-encoded because berth's transports
 * carry a command's output as text. `base64` is part of coreutils.
 */
import type { Layout } from '../release/layout.js'
import { shellQuote as q } from '../transport/quote.js'

export function packReleaseFiles(layout: Layout, release: string): string {
  return `cd ${q(layout.release(release))} && tar -c -f - --no-recursion --null -T - | base64`
}
