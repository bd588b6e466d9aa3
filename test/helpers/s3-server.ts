/**
 * A real S3-protocol server on loopback for the store tests and the bench: s3rver (an S3
 * implementation on the file system) behind a small proxy of ours that checks every
 * request's SigV4 signature (`sigv4.ts`; s3rver checks none) and counts the request bytes
 * it receives, i.e. what left the deploying machine towards the store. A wrong or expired
 * presigned URL gets 403, as from AWS S3.
 *
 * `env` is what a berth run needs to reach it with the SDK's usual credential chain, and
 * points the shared AWS files at empty temp files so nothing reads this machine's ~/.aws.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { verifySigV4 } from './sigv4.js'

export interface S3Server {
  /** `http://127.0.0.1:PORT`, for `delivery.store.endpoint` (path-style). */
  endpoint: string
  bucket: string
  env: Record<string, string>
  /** Request body bytes received so far. */
  bytesIn(): number
  /** GET requests answered so far (signed and forwarded to the store). */
  gets(): number
  stop(): Promise<void>
}

const ACCESS_KEY = 'S3RVER'
const SECRET_KEY = 'S3RVER'
const REGION = 'us-east-1'

interface S3rverInstance {
  run(): Promise<AddressInfo>
  close(): Promise<void>
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance

export async function startS3Server(options: { baseDir: string; bucket?: string }): Promise<S3Server> {
  const bucket = options.bucket ?? 'berth-test'
  const dataDir = join(options.baseDir, 's3-data')
  const awsDir = join(options.baseDir, 's3-aws')
  await mkdir(dataDir, { recursive: true })
  await mkdir(awsDir, { recursive: true })
  const credentialsFile = join(awsDir, 'credentials')
  const configFile = join(awsDir, 'config')
  await writeFile(credentialsFile, '')
  await writeFile(configFile, '')
  // s3rver is CommonJS; loaded here only, so nothing else in the tests pays for it.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass
  const backend = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dataDir, configureBuckets: [{ name: bucket }] })
  const inner = await backend.run()
  let received = 0
  let gets = 0
  const proxy = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (received += chunk.length))
    if (req.method === 'GET') gets++
    forward(req, res, inner.port)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const { port } = proxy.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    env: {
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_REGION: REGION,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: configFile,
    },
    bytesIn: () => received,
    gets: () => gets,
    stop: async () => {
      await close(proxy)
      await backend.close()
    },
  }
}

/** Checks the signature, then passes the request on unchanged (Host included) to s3rver. */
function forward(req: IncomingMessage, res: ServerResponse, port: number): void {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const verdict = verifySigV4(
    { method: req.method ?? 'GET', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers: req.headers },
    (key) => (key === ACCESS_KEY ? SECRET_KEY : undefined),
  )
  if (!verdict.ok) {
    req.resume()
    res.writeHead(403, { 'content-type': 'application/xml' })
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>${verdict.reason}</Message></Error>`)
    return
  }
  const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  upstream.on('error', () => {
    res.writeHead(502)
    res.end()
  })
  req.pipe(upstream)
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}
