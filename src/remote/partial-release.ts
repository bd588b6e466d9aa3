/**
 * A release whose files did not all arrive (the fetch round trip failed: a full disk, a
 * broken stream, a git archive that stopped): its tree is removed, its record kept. There
 * is nothing in half a tree worth inspecting, and it may be what filled the disk: kept,
 * it would make every later deploy fail the same way, and only a later success removes
 * failed releases (README, "What a deploy does").
 */
import type { Layout } from '../release/layout.js'
import { shellJoin } from '../transport/quote.js'

/** Removes the release's directory, its delivery files and file list; its record (the failure, for history) stays. */
export function discardPartialRelease(layout: Layout, id: string): string {
  return shellJoin(['rm', '-rf', layout.release(id), layout.delivery(id), layout.files(id), layout.paths(id)])
}
