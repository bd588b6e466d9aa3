/**
 * `berth ui`'s server: the page's routes on 127.0.0.1 only (never another interface: the
 * fleet's state and a deploy button are for this machine's user), on the port asked for
 * or a free one.
 */
import { serve } from '@hono/node-server'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ResolvedConfig } from '../config/types.js'
import { UsageError } from '../errors.js'
import type { RunOptions } from '../pipeline/context.js'
import type { Redact } from '../ui/redact.js'
import { createCockpitApp } from './app.js'
import { loadPageAssets } from './assets.js'
import { createCockpitCore, type SettleRun } from './core.js'
import { createRunTracker } from './runs.js'
import { createToken } from './token.js'

export interface Cockpit {
  /** The page's address, token included. */
  url: string
  /** Stops taking requests, ends open event streams, and waits for a run from the page to end. */
  close(): Promise<void>
}

export async function openCockpit(config: ResolvedConfig, options: RunOptions & { port: number; redact: Redact; settle?: SettleRun }): Promise<Cockpit> {
  const token = createToken()
  const closing = new AbortController()
  const runs = createRunTracker({ redact: options.redact })
  const app = createCockpitApp({ token, core: createCockpitCore(config, options), runs, redact: options.redact, assets: await loadPageAssets(), closing: closing.signal })
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: options.port }, () => resolve(started as Server)) as Server
    started.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options.port)))
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      // A run going on ends first (its signal is the command's, already aborted): the
      // page sees it end; no new one may start meanwhile.
      runs.refuseNew()
      await runs.idle()
      closing.abort()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

function listenError(error: NodeJS.ErrnoException, port: number): Error {
  if (error.code === 'EADDRINUSE') return new UsageError(`port ${port} on 127.0.0.1 is in use`, { hint: 'pass another --port, or leave --port out for a free one' })
  if (error.code === 'EACCES') return new UsageError(`port ${port} on 127.0.0.1 needs privileges berth does not have`, { hint: 'pass a port above 1023, or leave --port out for a free one' })
  return error
}
