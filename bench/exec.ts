/**
 * Runs the commands the benchmark measures: wall time from spawn to exit, the tail of the
 * output when a command fails (so a table cell can say why), and optionally the peak RSS
 * and CPU time reported by GNU time (`/usr/bin/time -f '%M %U %S'`: KiB, user and system
 * seconds of the command and every child it waited for, e.g. berth's ssh clients).
 */
import { spawn } from 'node:child_process'
import { setMaxListeners } from 'node:events'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Timed {
  ok: boolean
  ms: number
  /** One line saying why the command failed. */
  error?: string
  /** Peak resident set size in KiB, when measured. */
  rssKb?: number
  /** User + system CPU of the command and its children, when measured. */
  cpuMs?: number
  stdout: string
  stderr: string
}

export interface TimedOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Killed (and reported failed) after this long. @default 300_000 */
  timeoutMs?: number
  /** Measure peak RSS and CPU with GNU time. */
  isRssMeasured?: boolean
}

export const GNU_TIME = '/usr/bin/time'
let rssCounter = 0

/** Aborted on Ctrl-C: the command running is stopped and no other starts, so the bench can clean up. */
export const benchAbort = new AbortController()
// Every command running at once listens to it: 100 floor connections are not a leak.
setMaxListeners(0, benchAbort.signal)

export async function timed(file: string, args: string[], options: TimedOptions = {}): Promise<Timed> {
  if (benchAbort.signal.aborted) throw new Error('interrupted')
  const rssFile = join(tmpdir(), `berth-bench-rss-${process.pid}-${rssCounter++}`)
  const useTime = options.isRssMeasured === true && existsSync(GNU_TIME)
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, file, ...args]] : [file, args]
  const started = process.hrtime.bigint()
  const result = await new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; spawnError?: Error }>((resolve) => {
    const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout = keepTail(stdout + chunk.toString())))
    child.stderr.on('data', (chunk: Buffer) => (stderr = keepTail(stderr + chunk.toString())))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000)
    const stop = (): void => void child.kill('SIGTERM')
    benchAbort.signal.addEventListener('abort', stop, { once: true })
    child.once('close', () => benchAbort.signal.removeEventListener('abort', stop))
    child.once('error', (spawnError) => {
      clearTimeout(timer)
      resolve({ code: null, signal: null, stdout, stderr, spawnError })
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  let rssKb: number | undefined
  let cpuMs: number | undefined
  if (useTime && existsSync(rssFile)) {
    // The last line: a failed command's "Command exited with non-zero status" comes first.
    const last = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '')
    if (last !== null) {
      rssKb = Number(last[1])
      cpuMs = (Number(last[2]) + Number(last[3])) * 1000
    }
    rmSync(rssFile, { force: true })
  }
  const ok = result.code === 0 && result.spawnError === undefined
  return {
    ok,
    ms,
    ...(ok ? {} : { error: describeFailure(file, result) }),
    ...(rssKb === undefined ? {} : { rssKb }),
    ...(cpuMs === undefined ? {} : { cpuMs }),
    stdout: result.stdout,
    stderr: result.stderr,
  }
}

/** Runs several commands at once; the time is from the first spawn to the last exit. */
export async function timedAll(commands: { file: string; args: string[]; options?: TimedOptions }[]): Promise<Timed> {
  const started = process.hrtime.bigint()
  const results = await Promise.all(commands.map((c) => timed(c.file, c.args, c.options)))
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  const failed = results.find((r) => !r.ok)
  const cpu = results.map((r) => r.cpuMs)
  return {
    ok: failed === undefined,
    ms,
    ...(cpu.every((c) => c !== undefined) ? { cpuMs: cpu.reduce((a, b) => a + b, 0) } : {}),
    ...(failed?.error === undefined ? {} : { error: failed.error }),
    stdout: '',
    stderr: failed?.stderr ?? '',
  }
}

function keepTail(text: string): string {
  return text.length > 64_000 ? text.slice(-64_000) : text
}

function describeFailure(file: string, r: { code: number | null; signal: string | null; stdout: string; stderr: string; spawnError?: Error }): string {
  if (r.spawnError !== undefined) return `${file}: ${r.spawnError.message}`
  const lines = `${r.stderr}\n${r.stdout}`
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(Command exited|Command being timed)/.test(line))
  const why = lines.find((line) => /error|fail|denied|refused|not found|cannot|fatal/i.test(line)) ?? lines.at(-1) ?? ''
  const status = r.signal !== null ? `killed by ${r.signal}` : `exit ${r.code}`
  return `${status}${why === '' ? '' : `: ${why.slice(0, 160)}`}`
}
