/**
 * Masks secret values in everything berth prints. The core passes secrets to hooks only
 * through the environment, but a hook can still echo one, and a failing command's message
 * or hint can quote it; so every reporter runs every string through a redactor before it
 * reaches the terminal, a CI log or a JSON consumer.
 */
import { MIN_SECRET_LENGTH } from '../config/secret-length.js'

/** What a secret is replaced with: fixed width, so the mask does not leak the secret's length. */
export const REDACTED = '••••••'

export type Redact = (text: string) => string

/** A redactor with no secrets: the identity, without building a regular expression. */
export const noRedaction: Redact = (text) => text

/**
 * A presigned URL's query (`delivery.via: store`) is a credential for minutes: whatever
 * would show one (a curl message on a host, an SDK error) shows `?<presigned>` instead.
 */
const PRESIGNED_QUERY = /\?[^\s"'<>]*X-Amz-(?:Signature|Credential|Security-Token)=[^\s"'<>]*/gi
const maskPresigned: Redact = (text) => (text.includes('X-Amz-') || text.includes('x-amz-') ? text.replace(PRESIGNED_QUERY, '?<presigned>') : text)

/**
 * Builds a function that replaces every occurrence of every secret value with `REDACTED`.
 *
 * Longer values are tried first, so a secret that contains another secret is masked as a
 * whole instead of leaving its remainder visible. A multi-line value (a private key, a
 * certificate) is also masked line by line, because output reaches the reporters one line
 * at a time and the whole value would never match a single line.
 */
export function createRedactor(secretValues: readonly string[]): Redact {
  const candidates = collectCandidates(secretValues)
  if (candidates.length === 0) return maskPresigned
  const pattern = new RegExp(candidates.map(escapeRegExp).join('|'), 'g')
  return (text) => (text === '' ? text : maskPresigned(text.replace(pattern, REDACTED)))
}

/**
 * Redacts every string inside a value that is about to be serialised (an event, an API
 * answer). Redacting the JSON text instead would miss secrets containing `"` or `\`
 * (escaped in JSON) and could break the syntax.
 */
export function redactDeep(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value)
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, redact)]))
  }
  return value
}

function collectCandidates(secretValues: readonly string[]): string[] {
  const unique = new Set<string>()
  for (const value of secretValues) {
    addCandidate(unique, value)
    if (/[\r\n]/.test(value)) {
      for (const line of value.split(/\r?\n|\r/)) addCandidate(unique, line.trim())
    }
  }
  // Regex alternation takes the first alternative that matches, so longest first.
  return [...unique].sort((a, b) => b.length - a.length)
}

function addCandidate(into: Set<string>, value: string): void {
  if (value.length >= MIN_SECRET_LENGTH) into.add(value)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}
