/**
 * The S3 side of `delivery.via: store`: the one module that talks to the store, through
 * the AWS SDK (the same code path for AWS S3, MinIO, R2 and any S3-compatible service),
 * loaded with a dynamic import only when a run uses a store: it costs ~150 ms to load,
 * which no other deploy should pay.
 *
 * Credentials are the SDK's default chain, i.e. the deployer's usual AWS settings
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, the shared config and credentials
 * files, SSO, a role): berth never reads, prints or passes them on. Hosts get only
 * presigned GET URLs, which are secrets too: nothing here puts one in an error.
 *
 * Pinned versions (package.json): @aws-sdk/client-s3 and s3-request-presigner 3.1169.0,
 * releases whose `engines` accept Node 20 (berth supports Node >= 20.12); the SDK's
 * releases after early January 2027 require Node 22.
 */
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { StoreConfig } from '../config/types.js'
import { StateError } from '../errors.js'
import { settleAll } from '../fleet/pool.js'
import { blobKey } from './keys.js'

/** How long a host may use a presigned URL: a fetch step starts within minutes of signing. */
export const PRESIGN_SECONDS = 15 * 60

/** Requests in flight at once: enough to hide latency, few enough not to be throttled. */
const HEAD_CONCURRENCY = 16
const PUT_CONCURRENCY = 8
/** Blobs above this size are streamed from disk rather than read whole. */
const STREAM_FROM_BYTES = 16 * 1024 * 1024

export interface BlobStore {
  /** Of these object keys (`keys.ts`), the ones the store lacks (HEAD requests, a few at a time). */
  missing(keys: readonly string[]): Promise<Set<string>>
  /** Puts each file `file` (`size` bytes) at `key`. */
  put(objects: readonly { key: string; file: string; size: number }[]): Promise<void>
  /** Presigned GET URLs, valid `PRESIGN_SECONDS`, by key. */
  presign(keys: readonly string[]): Promise<Map<string, string>>
  /** Proves the bucket answers to these credentials (for `check`). */
  probe(): Promise<void>
  close(): void
}

/**
 * The SDK waits for ever by default: a store that takes connections and never answers
 * would keep every host locked. A connection must open within `connectMs`, and a request
 * fails after `idleMs` without a byte either way (an idle limit, not a total one: a big
 * upload that keeps moving is never cut). The SDK tries each request three times.
 */
const TIMEOUTS = { connectMs: 10_000, idleMs: 30_000 }

export async function openBlobStore(store: StoreConfig, timeouts: { connectMs: number; idleMs: number } = TIMEOUTS): Promise<BlobStore> {
  // The pinned SDK warns on every run under Node 20 that later releases need Node 22:
  // berth pins it on purpose, and the core never prints. A user's own setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const s3 = await import('@aws-sdk/client-s3')
  const { getSignedUrl, S3RequestPresigner } = await import('@aws-sdk/s3-request-presigner')
  const create = (region: string | undefined): InstanceType<typeof s3.S3Client> =>
    new s3.S3Client({
      ...(store.endpoint === undefined ? {} : { endpoint: store.endpoint }),
      ...(region === undefined ? {} : { region }),
      forcePathStyle: store.pathStyle,
      requestHandler: { connectionTimeout: timeouts.connectMs, socketTimeout: timeouts.idleMs },
      // Checksums only where S3 requires them: many S3-compatible services refuse the
      // trailing checksums the SDK adds by default, and a host checks sha256 itself.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
  let client = create(store.region)
  // No region in the config, the environment or the profile: us-east-1, as the docs say
  // (the SDK itself would refuse every request).
  if (store.region === undefined && (await client.config.region().catch(() => null)) === null) {
    client.destroy()
    client = create('us-east-1')
  }
  const Bucket = store.bucket
  const fail = (what: string, error: unknown): never => {
    throw storeError(what, store, error)
  }
  return {
    async missing(keys) {
      const lacking = new Set<string>()
      const results = await settleAll([...keys], HEAD_CONCURRENCY, async (Key) => {
        try {
          await client.send(new s3.HeadObjectCommand({ Bucket, Key }))
        } catch (error) {
          if (statusOf(error) === 404) lacking.add(Key)
          else throw error
        }
      })
      for (const result of results) if (!result.ok) fail('asking the store which blobs it has', result.error)
      return lacking
    },
    async put(objects) {
      // One request per object; a big one streamed, so a few at a time never hold much memory.
      const results = await settleAll([...objects], PUT_CONCURRENCY, async ({ key, file, size }) => {
        const Body = size > STREAM_FROM_BYTES ? createReadStream(file) : await readFile(file)
        await client.send(new s3.PutObjectCommand({ Bucket, Key: key, Body, ContentLength: size }))
      })
      for (const result of results) if (!result.ok) fail('putting blobs into the store', result.error)
    },
    async presign(keys) {
      const urls = new Map<string, string>()
      // The SDK's full path once per folder (endpoint, addressing style, credentials), then
      // its signer alone for the other keys there, which differ only in the last path
      // segment: ten times faster, and a cold deploy may sign one URL per file.
      const templates = new Map<string, URL>()
      const signer = new S3RequestPresigner({ ...client.config })
      for (const key of keys) {
        const folder = key.slice(0, key.lastIndexOf('/') + 1)
        const template = templates.get(folder)
        if (template === undefined) {
          const url = new URL(await getSignedUrl(client, new s3.GetObjectCommand({ Bucket, Key: key }), { expiresIn: PRESIGN_SECONDS }).catch((e: unknown) => fail('signing URLs', e)))
          templates.set(folder, url)
          urls.set(key, url.href)
          continue
        }
        const dir = template.pathname.slice(0, template.pathname.lastIndexOf('/') + 1)
        const name = encodeURIComponent(key.slice(folder.length))
        const signed = await signer
          .presign(
            {
              method: 'GET',
              protocol: template.protocol,
              hostname: template.hostname,
              ...(template.port === '' ? {} : { port: Number(template.port) }),
              path: `${dir}${name}`,
              query: {},
              headers: { host: template.host },
            },
            { expiresIn: PRESIGN_SECONDS },
          )
          .catch((e: unknown) => fail('signing URLs', e))
        const query = Object.entries(signed.query ?? {})
          .map(([k, value]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(value))}`)
          .join('&')
        urls.set(key, `${template.protocol}//${template.host}${dir}${name}?${query}`)
      }
      return urls
    },
    async probe() {
      await client.send(new s3.ListObjectsV2Command({ Bucket, Prefix: blobKey(store, ''), MaxKeys: 1 })).catch((e: unknown) => fail('reaching the store', e))
    },
    close: () => client.destroy(),
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode
}

/**
 * The SDK's error as berth's: its name and message, never a URL or a credential (the SDK
 * puts neither in them), with what to check.
 */
function storeError(what: string, store: StoreConfig, error: unknown): StateError {
  const e = error as { name?: string; message?: string }
  const status = statusOf(error)
  const where = `s3://${store.bucket}${store.prefix === '' ? '' : `/${store.prefix}`}${store.endpoint === undefined ? '' : ` at ${store.endpoint}`}`
  const detail = `${e.name ?? 'Error'}${status === undefined ? '' : ` (HTTP ${status})`}: ${(e.message ?? String(error)).replace(/https?:\/\/\S+/g, '<url>')}`
  const hint =
    status === 403 || e.name === 'CredentialsProviderError'
      ? 'check the AWS credentials this machine uses (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws): they need s3:GetObject, s3:PutObject and s3:ListBucket there'
      : 'check delivery.store (url, endpoint, region) and that this machine reaches the store'
  return new StateError(`${what} failed for ${where}: ${detail}`, { step: 'fetch', hint, cause: error })
}
