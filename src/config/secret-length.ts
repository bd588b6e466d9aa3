/**
 * How short a secret value may be and still be masked in output, and the warning for one
 * that is shorter. The threshold lives here, with the config, because the config is where
 * a person can do something about it; the redactor (`ui/redact.ts`) reads it from here.
 */
import type { KeyPath, RawIssue } from './issue.js'
import { environmentPath } from './overlay.js'
import type { RawConfig } from './schema.js'

/**
 * Values shorter than this are not masked. A one- or two-character "secret" (`1`, `on`,
 * `no`) occurs inside almost every line, and as a whole word too (`1/1 hosts`, `on web1`),
 * so masking it would garble all output while protecting nothing: a value that short is
 * guessable anyway. Three characters is the shortest value that is still rare enough in
 * ordinary output to mask without harm. Shorter ones are said once, at config resolution.
 * @default 3
 */
export const MIN_SECRET_LENGTH = 3

/**
 * Collects too-short secret values with the name and path that set them; warns once per
 * name, and once per value (`X: ${PIN}` does not repeat what was said about PIN).
 */
export class ShortSecrets {
  private readonly found = new Map<string, KeyPath>()
  private readonly values = new Set<string>()

  /** Records `value` of secret `name` (set at `path`) if it is too short to mask. */
  note(name: string, value: string, path: KeyPath): void {
    if (value === '' || value.length >= MIN_SECRET_LENGTH || this.found.has(name) || this.values.has(value)) return
    this.found.set(name, path)
    this.values.add(value)
  }

  warnings(): RawIssue[] {
    return [...this.found].map(([name, path]) => ({
      path,
      message: `secret ${name} is shorter than ${MIN_SECRET_LENGTH} characters: berth cannot mask it in output`,
    }))
  }
}

/** Where `secrets:` names `name` for this environment: its overlay's list first, else the top level. */
export function secretPath(raw: RawConfig, environment: string, name: string): KeyPath {
  const overlay = raw.environments[environment]?.secrets ?? []
  if (overlay.includes(name)) return [...environmentPath(environment), 'secrets', overlay.indexOf(name)]
  return ['secrets', (raw.secrets ?? []).indexOf(name)]
}
