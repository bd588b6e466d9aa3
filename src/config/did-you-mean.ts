/**
 * Suggestions for misspelt keys, hook names and environment names. Plain Levenshtein
 * distance plus two cheap normalisations operators actually trip on: case and separators
 * (`keep_releases`, `deploy-to` for `keepReleases`, `deployTo`).
 */

export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '')
}

/** The closest candidate, or `undefined` when none is close enough to be a likely typo. */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(input)
  const exact = candidates.find((candidate) => normalize(candidate) === wanted)
  if (exact !== undefined) return exact
  // A third of the length: "rn" → "run" qualifies, "foo" → "run" does not.
  const limit = Math.max(1, Math.floor(input.length / 3))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = levenshtein(wanted, normalize(candidate))
    if (distance <= limit && distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  if (best !== undefined) return best
  // Abbreviations: "prod" for "production".
  const prefixed = candidates.filter((candidate) => wanted.length >= 3 && normalize(candidate).startsWith(wanted))
  return prefixed.length === 1 ? prefixed[0] : undefined
}

/** ` (did you mean "run"?)`, or an empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestMatch(input, candidates)
  return match === undefined ? '' : ` (did you mean "${match}"?)`
}
