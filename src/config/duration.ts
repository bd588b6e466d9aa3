/**
 * Durations in config: `"500ms"`, `"30s"`, `"5m"`, `"1h30m"`, or a bare number of seconds
 * (YAML `timeout: 30`). Resolved to milliseconds.
 */

/** The string form; also used by the schema so the JSON Schema shows the same rule. */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Milliseconds, or `undefined` when `value` is not a valid duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined
  const text = value.trim()
  if (!DURATION_PATTERN.test(text)) return undefined
  let total = 0
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0)
  }
  return Math.round(total)
}
