/**
 * Human durations for progress lines and summaries. Written in-house: it is a dozen lines,
 * and the exact shapes (`850ms`, `1.2s`, `2m05s`, `1h02m`) are part of what users read.
 */

/** Formats milliseconds as `850ms`, `1.2s`, `2m05s` or `1h02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0ms'
  if (ms < 1000) return `${Math.round(ms)}ms`
  // Round to tenths first, so 59.96s reads `1m00s` instead of `60.0s`.
  const tenths = Math.round(ms / 100)
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`
  const totalSeconds = Math.round(ms / 1000)
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${pad2(totalSeconds % 60)}s`
  const totalMinutes = Math.round(ms / 60_000)
  return `${Math.floor(totalMinutes / 60)}h${pad2(totalMinutes % 60)}m`
}

/** Formats a byte count as `512 B`, `3.4 KB`, `12.0 MB` (powers of 1024, like `du -h`). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}
