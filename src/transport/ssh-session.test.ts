import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../test/helpers/wait.js'
import { SessionShell } from './ssh-session.js'

const shells: ChildProcessWithoutNullStreams[] = []
afterEach(() => {
  for (const shell of shells.splice(0)) shell.kill()
})

/** A session over a local `sh -s`: the same shell the master runs on a host. */
function localSession(): { session: SessionShell; stray: string[] } {
  const shell = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] })
  shells.push(shell)
  const stray: string[] = []
  return { session: new SessionShell(shell.stdin, shell.stdout, shell.stderr, (text) => stray.push(text)), stray }
}

/** A session whose shell is played by the test: it sees each script and answers in chunks. */
function scriptedSession(): { session: SessionShell; scripts: string[]; out: PassThrough; err: PassThrough; marker: () => string } {
  const stdin = new PassThrough()
  const out = new PassThrough()
  const err = new PassThrough()
  const scripts: string[] = []
  stdin.on('data', (chunk: Buffer) => scripts.push(chunk.toString()))
  const session = new SessionShell(stdin, out, err, () => {})
  return { session, scripts, out, err, marker: () => /__berth_[0-9a-f]+/.exec(scripts.join(''))![0] }
}

describe('SessionShell', () => {
  it('runs commands one after another on one shell, each with its own output and status', async () => {
    const { session } = localSession()
    const results = await Promise.all([
      session.run('echo one; echo err >&2; exit 3'),
      session.run('printf two'),
      session.run('echo "$A|$B"', { A: "it's", B: 'two\nlines' }),
      session.run('cd /; exit 0'),
      session.run('pwd'),
    ])
    expect(results).toEqual([
      { exitCode: 3, stdout: 'one\n', stderr: 'err\n' },
      { exitCode: 0, stdout: 'two', stderr: '' },
      { exitCode: 0, stdout: "it's|two\nlines\n", stderr: '' },
      { exitCode: 0, stdout: '', stderr: '' },
      // Each command runs in its own subshell: the `cd` above did not move the session.
      { exitCode: 0, stdout: `${process.cwd()}\n`, stderr: '' },
    ])
  })

  it('gives a command its input whole, bytes that read as shell or as the marker included, and nothing of it reaches the shell', async () => {
    const { session } = localSession()
    const dir = mkdtempSync(join(tmpdir(), 'berth-session-'))
    const pwned = join(dir, 'pwned')
    // Every byte value, then lines a shell would run if it read them as script.
    const hostile = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from(`\ntouch ${pwned}\n__berth_0_in\nEOF\n'"$(touch ${pwned})\n`),
    ])
    const input = Buffer.concat([hostile, randomBytes(200_000)])
    // A command that stops reading early: what it left is not read by the shell either.
    const results = await Promise.all([
      session.run('cksum', {}, input),
      session.run('head -c 3 >/dev/null; echo "$X"', { X: 'x y' }, input),
      session.run('cat', {}, Buffer.alloc(0)),
      session.run('echo after'),
    ])
    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0, 0])
    expect(results[0]!.stdout).toBe(execFileSync('cksum', { input }).toString())
    expect(results.slice(1).map((result) => result.stdout)).toEqual(['x y\n', '', 'after\n'])
    expect(existsSync(pwned)).toBe(false)
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds the marker however the output is cut into chunks', async () => {
    const { session, out, err, marker } = scriptedSession()
    const pending = session.run('anything')
    await new Promise((resolve) => setImmediate(resolve))
    const m = marker()
    const stdout = `line\n\n${m} 42\n`
    for (const char of stdout) out.write(char)
    err.write(`warn\n\n${m.slice(0, 5)}`)
    err.write(`${m.slice(5)}\n`)
    expect(await pending).toEqual({ exitCode: 42, stdout: 'line\n', stderr: 'warn\n' })
  })

  it('passes stderr that belongs to no command to the master, and fails waiting commands when the shell is gone', async () => {
    const { session, stray } = localSession()
    // What a background job writes after its command ended is nobody's output.
    expect(await session.run('(sleep 0.05; echo late >&2) &')).toMatchObject({ exitCode: 0, stderr: '' })
    await waitFor(() => stray.join('').includes('\n'), 5000, 'the background job to write its line')
    expect(stray).toEqual(['late\n'])
    const lost = new Error('connection lost')
    const first = session.run('sleep 5')
    const second = session.run('echo never')
    await new Promise((resolve) => setTimeout(resolve, 50))
    session.fail(lost)
    await expect(first).rejects.toBe(lost)
    await expect(second).rejects.toBe(lost)
    await expect(session.run('echo after')).rejects.toBe(lost)
  })
})
