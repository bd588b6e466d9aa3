/**
 * Tag names for what went live (README, "Tagging what goes live"): a template of `{yyyy}`,
 * `{mm}` (the deploy's month, in UTC, so every deploying machine agrees on it) and `{n}`,
 * one more than the highest tag of that month already in the repository.
 */

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')

/** The template with the month filled in, `{n}` left as is. */
function forMonth(template: string, at: Date): string {
  const yyyy = String(at.getUTCFullYear()).padStart(4, '0')
  const mm = String(at.getUTCMonth() + 1).padStart(2, '0')
  return template.replaceAll('{yyyy}', yyyy).replaceAll('{mm}', mm)
}

/** The name the next tag gets at `at`, given the tags the repository has. */
export function nextTagName(template: string, at: Date, existing: Iterable<string>): string {
  const month = forMonth(template, at)
  if (!month.includes('{n}')) return month
  const pattern = new RegExp(`^${month.split('{n}').map(escapeRegExp).join('(\\d+)')}$`)
  let highest = 0
  for (const name of existing) {
    const match = pattern.exec(name)
    // `{n}` may appear more than once: a tag counts only when each holds the same number.
    const numbers = match?.slice(1).map(Number) ?? []
    if (numbers.length > 0 && numbers.every((n) => n === numbers[0])) highest = Math.max(highest, numbers[0]!)
  }
  return month.replaceAll('{n}', String(highest + 1))
}
