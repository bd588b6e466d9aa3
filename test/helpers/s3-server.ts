/**
 * A real S3-protocol server on loopback for the store tests and the bench: `s3rver` (npm)
 * with one bucket, path-style URLs, its fixed credentials handed over as the usual AWS
 * environment. `bytesIn()` counts every byte its HTTP connections received (requests with
 * their headers and bodies), measured on the sockets, not taken from any client's claims.
 * (s3rver does not check presigned URLs' signatures: see /work/shared/notes/real-components.md.)
 */
import type { Server, Socket } from 'node:net'
import { mkdir } from 'node:fs/promises'

export interface S3Server {
  endpoint: string
  bucket: string
  env: Record<string, string>
  bytesIn(): number
  stop(): Promise<void>
}

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>
  close(): Promise<void>
  httpServer: Server
}

export async function startS3Server(options: { baseDir: string; bucket?: string }): Promise<S3Server> {
  const bucket = options.bucket ?? 'berth-test'
  await mkdir(options.baseDir, { recursive: true })
  // @ts-expect-error s3rver ships no types; the little used here is typed by S3rverInstance.
  const { default: S3rver } = (await import('s3rver')) as { default: new (options: object) => S3rverInstance }
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: options.baseDir, silent: true, configureBuckets: [{ name: bucket }] })
  const { port } = await server.run()
  const live = new Set<Socket>()
  let closedBytes = 0
  server.httpServer.on('connection', (socket: Socket) => {
    live.add(socket)
    socket.once('close', () => {
      live.delete(socket)
      closedBytes += socket.bytesRead
    })
  })
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' },
    bytesIn: () => closedBytes + [...live].reduce((sum, socket) => sum + socket.bytesRead, 0),
    stop: async () => {
      for (const socket of live) socket.destroy()
      await server.close()
    },
  }
}
