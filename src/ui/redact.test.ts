import { describe, expect, it } from 'vitest'
import { createRedactor, REDACTED } from './redact.js'

describe('createRedactor', () => {
  it("masks a presigned URL's query, with or without secrets configured", () => {
    const url = 'https://b.s3.amazonaws.com/p/blobs/sha256/ab?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261202&X-Amz-Signature=0f1e'
    for (const redact of [createRedactor([]), createRedactor(['hunter2'])]) {
      expect(redact(`curl: (22) ${url} returned 403`)).toBe('curl: (22) https://b.s3.amazonaws.com/p/blobs/sha256/ab?<presigned> returned 403')
      expect(redact('a plain line?x=1')).toBe('a plain line?x=1')
    }
  })

  it('masks every occurrence of each secret', () => {
    const redact = createRedactor(['hunter2', 's3cr3t'])
    expect(redact('pw=hunter2 again hunter2, token s3cr3t')).toBe(`pw=${REDACTED} again ${REDACTED}, token ${REDACTED}`)
  })

  it('masks the longest value first so no remainder of a longer secret shows', () => {
    const redact = createRedactor(['abc', 'abcdef'])
    expect(redact('x abcdef y abc')).toBe(`x ${REDACTED} y ${REDACTED}`)
  })

  it('treats regular-expression characters literally', () => {
    const redact = createRedactor(['a.b*c(d)', 'p$[1]'])
    expect(redact('a.b*c(d) axbbc p$[1]')).toBe(`${REDACTED} axbbc ${REDACTED}`)
  })

  it('ignores empty and very short values, which would garble every line', () => {
    const redact = createRedactor(['', 'x', 'on'])
    expect(redact('turn it on, x marks the spot')).toBe('turn it on, x marks the spot')
    expect(createRedactor(['abc'])('xabcx')).toBe(`x${REDACTED}x`)
  })

  it('masks each line of a multi-line secret, since output arrives line by line', () => {
    const key = '-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----'
    const redact = createRedactor([key])
    expect(redact('MIIEvQIBADANBg')).toBe(REDACTED)
    expect(redact(key)).toBe(REDACTED)
  })

  it('returns text unchanged without secrets', () => {
    expect(createRedactor([])('anything')).toBe('anything')
  })
})
