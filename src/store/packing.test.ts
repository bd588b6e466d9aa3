import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PACKING, packBlobs, packId } from './packing.js'

const hexOf = (text: string): string => createHash('sha256').update(text).digest('hex')
const blobs = (count: number, from = 0, size = 100) => Array.from({ length: count }, (_, i) => ({ hex: hexOf(`file ${from + i}`), size }))

describe('packing blobs for a host', () => {
  it('fetches a few blobs alone, and many small ones in packs dealt by the first hex digit', () => {
    const few = blobs(PACKING.minBlobs - 1)
    expect(packBlobs(few)).toEqual({ single: few.map((b) => b.hex), packs: [] })
    const many = blobs(1000)
    const { single, packs } = packBlobs(many)
    expect(single).toEqual([])
    expect(packs.map((pack) => pack.members[0]![0])).toEqual([...'0123456789abcdef'])
    expect(packs.flatMap((pack) => pack.members).sort()).toEqual(many.map((b) => b.hex).sort())
    for (const pack of packs) {
      expect(pack.members).toEqual([...pack.members].sort())
      expect(pack.members.every((hex) => hex[0] === pack.members[0]![0])).toBe(true)
      expect(pack.id).toBe(packId(pack.members))
    }
  })

  it('sends big blobs alone, and counts only the small ones towards packing', () => {
    const big = blobs(3, 5000, PACKING.maxPackedBytes + 1)
    expect(packBlobs([...blobs(PACKING.minBlobs - 1), ...big]).packs).toEqual([])
    const { single, packs } = packBlobs([...blobs(PACKING.minBlobs), ...big])
    expect(single).toEqual(big.map((b) => b.hex))
    expect(packs.flatMap((pack) => pack.members)).toHaveLength(PACKING.minBlobs)
  })

  it('names packs by their members alone: the same set gives the same packs in any order, one more file changes one pack', () => {
    const many = blobs(500)
    const a = packBlobs(many).packs.map((pack) => pack.id)
    expect(packBlobs([...many].reverse()).packs.map((pack) => pack.id)).toEqual(a)
    const b = packBlobs([...many, ...blobs(1, 9999)]).packs.map((pack) => pack.id)
    expect(b.filter((id) => !a.includes(id))).toHaveLength(1)
  })
})
