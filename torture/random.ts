/**
 * A seeded random source (mulberry32): the same seed picks the same damage at the same
 * points, so a failing torture can be replayed with `--seed`. Timing on a loaded machine
 * still varies, so a replay lands near, not exactly on, the same instant.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  int(min: number, max: number): number
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** Picks by weight: `[[item, weight], ...]`. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T
  bytes(n: number): Buffer
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(0, items.length - 1)] as (typeof items)[number],
    weighted: (entries) => {
      const total = entries.reduce((sum, [, w]) => sum + w, 0)
      let roll = next() * total
      for (const [item, weight] of entries) {
        roll -= weight
        if (roll < 0) return item
      }
      return entries[entries.length - 1]![0]
    },
    bytes: (n) => {
      const out = Buffer.alloc(n)
      for (let i = 0; i < n; i += 4) out.writeUInt32LE(Math.floor(next() * 4294967296), i)
      return out
    },
  }
}
