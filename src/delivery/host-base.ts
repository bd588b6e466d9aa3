/**
 * What a host's live release holds, as the upload and the store diff against it: its file
 * list from this machine's cache when the host reports a hash that is there, else read from
 * the host (one more round trip, that host only). Files changed on the host since they
 * were delivered are left out: they travel again.
 */
import { readLiveFiles } from '../remote/inspect.js'
import { manifestCacheDir, readCachedManifest } from './manifest-cache.js'
import type { DeliveryContext, DeliveryHost } from './strategy.js'
import type { HostBase } from './upload.js'

export async function hostBase(ctx: DeliveryContext, host: DeliveryHost): Promise<HostBase> {
  const name = host.host.name
  const live = host.state?.current ?? null
  const gzip = host.state?.gzip === true
  if (live === null || host.state?.currentHasFiles !== true) return { host: name, live, files: null, gzip }
  const sum = host.state.currentFilesSum
  const text = (sum === null ? null : await readCachedManifest(sum, manifestCacheDir(ctx.cacheDir))) ?? (await ctx.exec(name, readLiveFiles(ctx.layout, live))).stdout
  // A file changed on the host since it was delivered is not the file its list names: sent again.
  const modified = new Set(host.state.modifiedFiles)
  const files = text.split('\n').filter((line) => modified.size === 0 || !modified.has(pathOfLine(line)))
  return { host: name, live, files, gzip }
}

/** The path a file-list line names (see `manifest.ts`); '' for a line it cannot read. */
function pathOfLine(line: string): string {
  try {
    const row: unknown = JSON.parse(line)
    return Array.isArray(row) && typeof row[1] === 'string' ? row[1] : ''
  } catch {
    return ''
  }
}
