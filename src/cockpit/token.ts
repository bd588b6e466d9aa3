/**
 * The page's token: printed once in its URL when `berth ui` starts, and required on every
 * request (page, assets, API, event stream). Anyone else on this machine can reach
 * 127.0.0.1, and a web page in any browser tab can send requests to it: the token is what
 * keeps them from reading the fleet or starting a deploy.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** 192 random bits, URL-safe. */
export function createToken(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * Compares in constant time. Both sides are hashed first so that inputs of any length
 * compare in the same time (`timingSafeEqual` wants equal lengths, and an early return on
 * a length mismatch would tell the token's length).
 */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(given), digest(expected))
}
