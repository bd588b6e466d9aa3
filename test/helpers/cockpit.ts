/**
 * `berth ui` under test: the real CLI started as a child process (on the project's virtual
 * clock), its address read from what it prints, and Debian's Chromium driven by
 * playwright-core (no browser download; `npm test` installs the `chromium` package).
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import type { Browser } from 'playwright-core'
import type { Project } from './project.js'

const CHROMIUM = '/usr/bin/chromium'

export interface RunningUi {
  /** The address berth printed, token included. */
  url: string
  /** The same without the token: scheme, address and port. */
  origin: string
  token: string
  child: ChildProcessWithoutNullStreams
  output(): string
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>
}

export async function startUi(project: Project, args: string[] = [], env?: NodeJS.ProcessEnv): Promise<RunningUi> {
  const child = project.spawnBerth(['ui', 'production', ...args], env)
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const exited = once(child, 'exit') as Promise<[number | null]>
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`berth ui printed no address in 30 s:\n${output}`)), 30_000)
    const look = (): void => {
      const found = /http:\/\/\S+/.exec(output)?.[0]
      if (found !== undefined) {
        clearTimeout(timer)
        resolve(found)
      }
    }
    child.stdout.on('data', look)
    void exited.then(() => reject(new Error(`berth ui exited before printing its address:\n${output}`)))
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT')
      const [code] = await exited
      return code
    },
  }
}

/** Chromium as root on this kind of machine: no sandbox, and nothing that reaches for the network. */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}
