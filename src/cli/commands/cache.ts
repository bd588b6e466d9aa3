import { cacheReport, clearCache } from '../../artifact/prune.js'
import { defaultCacheDir, defaultCacheMaxBytes } from '../../cache-dir.js'
import { UsageError } from '../../errors.js'
import { formatBytes } from '../../ui/duration.js'
import type { Flags } from '../flags.js'
import { printResult, type CliIO } from '../session.js'

/** `berth cache`: what this machine keeps; `berth cache clear`: all of it goes (README, "Artifacts and the cache"). */
export async function run([action = 'show']: string[], flags: Flags, io: CliIO): Promise<number> {
  const dir = defaultCacheDir(io.env)
  if (action === 'clear') {
    const cleared = await clearCache(dir)
    printResult(flags, io, 'cache', { dir, cleared: cleared.removed }, () => `cleared ${dir}: the next deploy builds again and reads each host's file list\n`)
    return 0
  }
  if (action !== 'show') throw new UsageError(`berth cache ${action}: unknown action`, { hint: 'berth cache (show what is kept) or berth cache clear' })
  const report = await cacheReport(dir, defaultCacheMaxBytes(io.env))
  printResult(flags, io, 'cache', report, () => {
    const lines = [`${dir}: ${report.artifacts.length} artifact${report.artifacts.length === 1 ? '' : 's'}, ${formatBytes(report.bytes)} of ${formatBytes(report.maxBytes)} (BERTH_CACHE_MAX)`]
    for (const artifact of [...report.artifacts].reverse()) {
      const used = artifact.usedAt === 0 ? 'never' : new Date(artifact.usedAt).toISOString().replace(/\.\d+Z$/, 'Z')
      lines.push(`  ${artifact.id.slice(0, 12)}  ${artifact.files} files  ${formatBytes(artifact.bytes)}  last used ${used}`)
    }
    return `${lines.join('\n')}\n`
  })
  return 0
}
