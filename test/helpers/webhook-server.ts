/**
 * A real HTTP server on 127.0.0.1 that takes webhook POSTs and keeps what it received:
 * what berth's notifications are tested against (nothing mocked in between).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  path: string
  contentType: string | undefined
  body: Record<string, unknown>
  raw: string
}

export interface WebhookServer {
  /** `http://127.0.0.1:PORT` + `path`. */
  url(path?: string): string
  received: Received[]
  close(): Promise<void>
}

export interface ServerOptions {
  /** Answers every request with this. @default 200 */
  status?: number
  /** Holds each answer back until this says yes (checked every 20 ms, for at most 20 s). */
  holdUntil?: () => boolean
}

export async function startWebhookServer(options: ServerOptions = {}): Promise<WebhookServer> {
  const received: Received[] = []
  const server: Server = createServer((request, response) => {
    let raw = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (raw += chunk))
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(raw) as Record<string, unknown>, raw })
      const until = Date.now() + 20_000
      const answer = (): void => {
        if (options.holdUntil?.() === false && Date.now() < until) setTimeout(answer, 20)
        else response.writeHead(options.status ?? 200).end('ok')
      }
      answer()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port on 127.0.0.1 that nothing listens on (taken, then freed). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
