/**
 * A real nginx (Debian's package) for end-to-end tests, run with its own config, prefix,
 * pid file and error log on a free loopback port, in the foreground as this test's child:
 * it is stopped by its own pid (never by name), and its workers go with it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

const NGINX = '/usr/sbin/nginx'

export interface Nginx {
  port: number
  /** GET on this nginx: status, body and the headers asked for. */
  get(path?: string): Promise<{ status: number; body: string; retryAfter: string | null }>
  stop(): Promise<void>
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * Starts nginx with `server` (the lines inside `server { }`, `listen` added) and waits
 * until it answers. `dir` holds its config, pid file, logs and temp files.
 */
export async function startNginx(dir: string, server: string): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install Debian's nginx (npm test installs it)`)
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const isRoot = process.getuid?.() === 0
  const conf = join(dir, 'nginx.conf')
  writeFileSync(
    conf,
    [
      'daemon off;',
      'worker_processes 1;',
      // As root nginx would run its workers as nobody, who cannot read a test's 0700 temp dir.
      ...(isRoot ? ['user root;'] : []),
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      '  types { text/html html; }',
      '  default_type application/octet-stream;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`),
      '  server {',
      `    listen 127.0.0.1:${port};`,
      ...server.split('\n').map((line) => `    ${line}`),
      '  }',
      '}',
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const get: Nginx['get'] = async (path = '/') => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' })
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') }
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`)
    try {
      await get('/')
      break
    } catch {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`nginx did not answer on port ${port}: ${stderr}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { port, get, stop }
}
