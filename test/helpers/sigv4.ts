/**
 * A Signature Version 4 checker for the test S3 server (`s3-server.ts`): s3rver accepts any
 * V4 signature, so a test against it alone could never catch a wrong presigned URL. Written
 * from AWS's description of SigV4 (canonical request, string to sign, derived signing key),
 * independently of the SDK berth signs with, and tested against AWS's published example.
 * Both forms are checked: the Authorization header (the SDK's own PUT and HEAD) and the
 * query string (presigned URLs, what hosts fetch with).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export interface SignedRequest {
  method: string
  /** The path as sent, still percent-encoded. */
  path: string
  /** The query string as sent, without '?'. */
  query: string
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>
}

export type Verdict = { ok: true; accessKeyId: string } | { ok: false; reason: string }

const ALGORITHM = 'AWS4-HMAC-SHA256'

/** Checks `request`'s signature with the secret `secretFor` gives for its access key, at `now`. */
export function verifySigV4(request: SignedRequest, secretFor: (accessKeyId: string) => string | undefined, now: Date = new Date()): Verdict {
  const params = parseQuery(request.query)
  const auth = header(request.headers, 'authorization')
  const fromQuery = params.some(([key]) => key === 'X-Amz-Signature')
  if (!fromQuery && auth === undefined) return { ok: false, reason: 'unsigned request' }
  let credential: string
  let signedHeaders: string
  let signature: string
  let amzDate: string
  let payloadHash: string
  if (fromQuery) {
    const get = (key: string): string => params.find(([k]) => k === key)?.[1] ?? ''
    if (get('X-Amz-Algorithm') !== ALGORITHM) return { ok: false, reason: 'not AWS4-HMAC-SHA256' }
    credential = get('X-Amz-Credential')
    signedHeaders = get('X-Amz-SignedHeaders')
    signature = get('X-Amz-Signature')
    amzDate = get('X-Amz-Date')
    payloadHash = get('X-Amz-Content-Sha256') || 'UNSIGNED-PAYLOAD'
    const expires = Number(get('X-Amz-Expires'))
    if (!Number.isInteger(expires) || expires < 1 || expires > 604_800) return { ok: false, reason: 'bad X-Amz-Expires' }
    if (now.getTime() > parseAmzDate(amzDate) + expires * 1000) return { ok: false, reason: 'expired' }
  } else {
    const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(auth ?? '')
    if (match === null) return { ok: false, reason: 'malformed Authorization header' }
    ;[, credential = '', signedHeaders = '', signature = ''] = match
    amzDate = header(request.headers, 'x-amz-date') ?? ''
    payloadHash = header(request.headers, 'x-amz-content-sha256') ?? ''
    if (Math.abs(now.getTime() - parseAmzDate(amzDate)) > 15 * 60_000) return { ok: false, reason: 'request time too skewed' }
  }
  if (Number.isNaN(parseAmzDate(amzDate))) return { ok: false, reason: 'bad X-Amz-Date' }
  const [accessKeyId = '', date = '', region = '', service = '', terminal = ''] = credential.split('/')
  const secret = secretFor(accessKeyId)
  if (secret === undefined) return { ok: false, reason: `unknown access key ${accessKeyId}` }
  if (terminal !== 'aws4_request' || !amzDate.startsWith(date)) return { ok: false, reason: 'bad credential scope' }
  const names = signedHeaders.split(';')
  if (!names.includes('host')) return { ok: false, reason: 'host is not signed' }
  const canonicalRequest = [
    request.method,
    canonicalPath(request.path),
    canonicalQuery(params.filter(([key]) => key !== 'X-Amz-Signature')),
    names.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}\n`).join(''),
    signedHeaders,
    payloadHash,
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const stringToSign = [ALGORITHM, amzDate, scope, sha256(canonicalRequest)].join('\n')
  const key = [date, region, service, 'aws4_request'].reduce<Buffer>((k, part) => hmac(k, part), Buffer.from(`AWS4${secret}`))
  const expected = hmac(key, stringToSign).toString('hex')
  const given = Buffer.from(signature)
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected)) ? { ok: true, accessKeyId } : { ok: false, reason: 'signature does not match' }
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ')
}

/** Query pairs, decoded (`+` is a space only in forms; S3 clients send `%20`). */
function parseQuery(query: string): [string, string][] {
  if (query === '') return []
  return query.split('&').map((pair) => {
    const eq = pair.indexOf('=')
    return eq < 0 ? [decodeURIComponent(pair), ''] : [decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1))]
  })
}

/** RFC 3986 encoding, as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** S3 encodes each path segment once (no double encoding, no normalisation). */
function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((segment) => encode(decodeURIComponent(segment)))
    .join('/')
}

function canonicalQuery(params: [string, string][]): string {
  return params
    .map(([key, value]) => [encode(key), encode(value)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
}

function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  return m === null ? Number.NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest()
