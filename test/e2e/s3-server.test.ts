/**
 * The test S3 server's own checks: its SigV4 verifier agrees with AWS's published
 * presigned-URL example (and refuses it tampered or expired), and the running server
 * refuses a presigned URL with a wrong signature while serving a right one to `curl`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startS3Server, type S3Server } from '../helpers/s3-server.js'
import { verifySigV4, type SignedRequest } from '../helpers/sigv4.js'

// AWS S3 docs, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)".
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const EXAMPLE_SIGNATURE = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'
const example = (signature: string): SignedRequest => ({
  method: 'GET',
  path: '/test.txt',
  query: [
    'X-Amz-Algorithm=AWS4-HMAC-SHA256',
    'X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request',
    'X-Amz-Date=20130524T000000Z',
    'X-Amz-Expires=86400',
    'X-Amz-SignedHeaders=host',
    `X-Amz-Signature=${signature}`,
  ].join('&'),
  headers: { host: 'examplebucket.s3.amazonaws.com' },
})
const secrets = (key: string): string | undefined => (key === 'AKIAIOSFODNN7EXAMPLE' ? SECRET : undefined)
const during = new Date(Date.UTC(2013, 4, 24, 12))

describe('the SigV4 verifier', () => {
  it("accepts AWS's published presigned URL", () => {
    expect(verifySigV4(example(EXAMPLE_SIGNATURE), secrets, during)).toEqual({ ok: true, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' })
  })

  it('refuses it with one digit changed, another host, another secret, or once expired', () => {
    expect(verifySigV4(example(`${EXAMPLE_SIGNATURE.slice(0, -1)}5`), secrets, during).ok).toBe(false)
    expect(verifySigV4({ ...example(EXAMPLE_SIGNATURE), headers: { host: 'otherbucket.s3.amazonaws.com' } }, secrets, during).ok).toBe(false)
    expect(verifySigV4(example(EXAMPLE_SIGNATURE), () => 'not the secret', during).ok).toBe(false)
    expect(verifySigV4(example(EXAMPLE_SIGNATURE), secrets, new Date(Date.UTC(2013, 4, 25, 0, 0, 1)))).toEqual({ ok: false, reason: 'expired' })
  })
})

describe('the test S3 server', () => {
  let base: string
  let server: S3Server
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'berth-s3-'))
    server = await startS3Server({ baseDir: base })
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(base, { recursive: true, force: true })
  })

  it('stores what the SDK puts, counts its bytes, serves a presigned URL and refuses a tampered one', async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const { S3Client, PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3')
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner')
    const client = new S3Client({
      endpoint: server.endpoint,
      forcePathStyle: true,
      region: server.env.AWS_REGION!,
      credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! },
    })
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: 'a/b.txt', Body: Buffer.from('hello store\n') }))
    expect(server.bytesIn()).toBeGreaterThanOrEqual('hello store\n'.length)
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: server.bucket, Key: 'a/b.txt' }), { expiresIn: 60 })
    // Asynchronous: the server answers from this very process.
    const curl = async (target: string): Promise<string> => (await promisify(execFile)('curl', ['-q', '-s', '-o', '-', '-w', '\n%{http_code}', target], { encoding: 'utf8' })).stdout
    expect(await curl(url)).toBe('hello store\n\n200')
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`)
    expect(await curl(tampered)).toMatch(/SignatureDoesNotMatch.*\n403$/s)
    client.destroy()
  })
})
