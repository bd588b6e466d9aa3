/**
 * SshTransport against real sshd daemons on loopback (see test/helpers/fleet.ts).
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RemoteCommandError, TransportError } from '../../src/errors.js'
import { shellJoin } from '../../src/transport/quote.js'
import { SshTransport, createControlDir, type ControlDir, type SshTransportOptions } from '../../src/transport/ssh.js'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import { waitFor } from '../helpers/wait.js'

let fleet: Fleet
let controlDir: ControlDir
const opened: SshTransport[] = []

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3, bastion: true })
  controlDir = await createControlDir()
})
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()))
})
afterAll(async () => {
  await fleet?.stop()
  await controlDir?.remove()
})

function open(name: string, overrides: Partial<SshTransportOptions> = {}): SshTransport {
  const transport = new SshTransport({
    name,
    host: name,
    sshConfigFile: fleet.sshConfigFile,
    strictHostKeyChecking: 'yes',
    connectTimeoutMs: 5000,
    forwardAgent: false,
    controlDir: controlDir.path,
    ...overrides,
  })
  opened.push(transport)
  return transport
}

/** Where a host's /srv is, as seen from the host (its own /srv unless the fleet is not isolated). */
const srv = (name: string): string => (fleet.isolated ? '/srv' : fleet.hostDir(name))
const psArgs = (): string => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })

describe('exec', () => {
  it('returns stdout and exit codes', async () => {
    const web1 = open('web1')
    const result = await web1.exec('echo hello; echo oops >&2')
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hello\n', stderr: 'oops\n', timedOut: false })
    expect((await web1.exec('exit 7', { allowFailure: true })).exitCode).toBe(7)
  })

  it('rejects a non-zero exit with host, code and output tail', async () => {
    const error = await open('web2').exec('echo first; echo last >&2; exit 3', { step: 'build' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteCommandError)
    expect(error).toMatchObject({ host: 'web2', step: 'build', commandExitCode: 3, outputTail: ['first', 'last'] })
  })

  it('treats a command exiting 255 as the command’s own code', async () => {
    const error = await open('web1').exec('echo mine >&2; exit 255').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteCommandError)
    expect(error).toMatchObject({ commandExitCode: 255 })
  })

  it('runs on each host’s own /srv', async () => {
    await Promise.all(['web1', 'web2'].map((name) => open(name).exec(`echo ${name} > ${srv(name)}/whoami`)))
    expect(readFileSync(join(fleet.hostDir('web1'), 'whoami'), 'utf8')).toBe('web1\n')
    expect(readFileSync(join(fleet.hostDir('web2'), 'whoami'), 'utf8')).toBe('web2\n')
  })

  it('round-trips hostile strings in commands and env', async () => {
    const hostile = `it's "quoted" $HOME \`id\` \\ ; rm -rf ~ \n\ttab ünïcode *`
    const result = await open('web1').exec(`${shellJoin(['printf', '%s|', hostile])}; printf '%s' "$HOSTILE"`, { env: { HOSTILE: hostile } })
    expect(result.stdout).toBe(`${hostile}|${hostile}`)
  })

  it('keeps env values out of every argv, local and remote', async () => {
    const secret = `s3cret-${randomBytes(8).toString('hex')}`
    const marker = `env-check-${randomBytes(4).toString('hex')}`
    const web1 = open('web1')
    await web1.connect()
    // Once it has the env, the command lists the host's processes, says so, and then stays
    // running (its argv named by the marker) until this test has listed them here too.
    const signal = `${srv('web1')}/${marker}`
    const wait = `ps -eo args; : > "$1.ready"; until [ -e "$1.go" ]; do sleep 0.05; done`
    const running = web1.exec(`test "$BERTH_SECRET" = "$EXPECTED" && sh -c ${shellJoin([wait, marker, signal])}`, { env: { BERTH_SECRET: secret, EXPECTED: secret } })
    await waitFor(() => existsSync(join(fleet.hostDir('web1'), `${marker}.ready`)), 10_000, 'the command to start on web1')
    const localPs = psArgs()
    writeFileSync(join(fleet.hostDir('web1'), `${marker}.go`), '')
    const { stdout: remotePs } = await running
    expect(localPs).toContain(marker)
    expect(remotePs).toContain(marker)
    expect(localPs).not.toContain(secret)
    expect(remotePs).not.toContain(secret)
  })

  it('does not let a command that reads stdin swallow the script', async () => {
    const result = await open('web3').exec('cat; read line; echo "after:$line"')
    expect(result.stdout).toBe('after:\n')
  })

  it('streams 20 MB of tar through stdin', async () => {
    const source = join(fleet.root, 'upload-src')
    mkdirSync(source, { recursive: true })
    for (let i = 0; i < 20; i++) writeFileSync(join(source, `f${i}.bin`), randomBytes(1024 * 1024))
    const tar = spawn('tar', ['-c', '-C', source, '.'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const target = `${srv('web2')}/upload`
    await open('web2').exec(`mkdir -p ${target} && tar -x -C ${target}`, { stdin: tar.stdout, env: { UNUSED: 'x\ny' } })
    for (const file of readdirSync(source)) {
      expect(digest(join(fleet.hostDir('web2'), 'upload', file))).toBe(digest(join(source, file)))
    }
  })

  it('kills the remote command on timeout', async () => {
    const marker = `sleep 31.${Date.now() % 1000}`
    const started = Date.now()
    const error = await open('web1').exec(`sh -c '${marker}'; echo not reached`, { timeoutMs: 500 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RemoteCommandError)
    expect(error).toMatchObject({ timedOut: true, host: 'web1' })
    expect(Date.now() - started).toBeLessThan(4000)
    await waitFor(() => !psArgs().includes(marker), 3000, 'the command on web1 to stop')
  })

  it('stops the remote command when the run is aborted', async () => {
    const marker = `sleep 32.${Date.now() % 1000}`
    const web2 = open('web2')
    await web2.connect()
    const controller = new AbortController()
    const running = web2.exec(`sh -c '${marker}'`, { signal: controller.signal }).catch((e: unknown) => e)
    await waitFor(() => psArgs().includes(marker), 10_000, 'the command to start on web2')
    controller.abort()
    const error = await running
    expect(error).toBeInstanceOf(RemoteCommandError)
    expect(error).toMatchObject({ signal: 'interrupt' })
    await waitFor(() => !psArgs().includes(marker), 3000, 'the command on web2 to stop')
  })

  it('runs many commands over one master connection', async () => {
    const web3 = open('web3')
    const before = await fleet.countLogins('web3')
    const started = performance.now()
    for (let i = 0; i < 20; i++) await web3.exec('true')
    // sshd's MaxSessions (10) counts the master's own session shell: nine more fit beside it.
    await Promise.all(Array.from({ length: 9 }, () => web3.exec('true')))
    await Promise.all(Array.from({ length: 20 }, () => web3.exec('true', { brief: true })))
    expect(await fleet.countLogins('web3')).toBe(before + 1)
    expect(performance.now() - started).toBeLessThan(5000)
  })
})

describe('brief commands (on the session shell)', () => {
  it('keeps stdout, stderr and exit status apart, whatever the output looks like', async () => {
    const web1 = open('web1')
    const brief = { brief: true, allowFailure: true } as const
    expect(await web1.exec('echo hello; echo oops >&2', brief)).toMatchObject({ exitCode: 0, stdout: 'hello\n', stderr: 'oops\n' })
    expect(await web1.exec("printf 'no newline'; printf 'err' >&2; exit 4", brief)).toMatchObject({ exitCode: 4, stdout: 'no newline', stderr: 'err' })
    // Output that imitates a marker, a command that exits the shell, one that reads stdin.
    expect(await web1.exec("printf '\\n__berth_0 0\\n'; exit 0", brief)).toMatchObject({ exitCode: 0, stdout: '\n__berth_0 0\n' })
    expect(await web1.exec('exec false', brief)).toMatchObject({ exitCode: 1 })
    expect(await web1.exec('cat; echo after', brief)).toMatchObject({ exitCode: 0, stdout: 'after\n' })
    expect(await web1.exec("echo 'unbalanced (", brief)).toMatchObject({ exitCode: 2 })
    const big = await web1.exec('seq 1 100000', brief)
    expect(big.stdout.split('\n')).toHaveLength(100001)
    // The shell is still in step after all of that.
    expect(await web1.exec('echo still', brief)).toMatchObject({ exitCode: 0, stdout: 'still\n', stderr: '' })
  })

  it('passes env values (newlines, quotes) without any argv seeing them', async () => {
    const web2 = open('web2')
    const secret = `s3cr3t-${randomBytes(6).toString('hex')}`
    const value = `${secret}\nline two 'quoted' "double" $HOME \\`
    const result = await web2.exec('printf %s "$TOKEN"; ps -eo args', { brief: true, env: { TOKEN: value } })
    const [printed, ps] = [result.stdout.slice(0, value.length), result.stdout.slice(value.length)]
    expect(printed).toBe(value)
    expect(ps).not.toContain(secret)
    expect(psArgs()).not.toContain(secret)
  })

  it('rejects a failure with the output tail, and runs queued commands in order', async () => {
    const web3 = open('web3')
    const error = await web3.exec('echo first; echo last >&2; exit 3', { brief: true, step: 'lock' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ host: 'web3', step: 'lock', commandExitCode: 3, outputTail: ['first', 'last'] })
    const order = await Promise.all(Array.from({ length: 30 }, (_, i) => web3.exec(`echo ${i}`, { brief: true })))
    expect(order.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 30 }, (_, i) => String(i)))
  })

  it('fails a command whose connection drops, naming the host, and reconnects once it is back', async () => {
    const web1 = open('web1')
    await web1.connect()
    const marker = `sleep 20.${randomInt(1e6)}`
    const pending = web1.exec(marker, { brief: true }).catch((e: unknown) => e)
    await waitFor(() => psArgs().includes(marker), 10_000, 'the command to start on web1')
    await fleet.stopHost('web1')
    const error = await pending
    await fleet.startHost('web1')
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ host: 'web1' })
    expect((await web1.exec('echo back', { brief: true })).stdout).toBe('back\n')
  })

  it('carries a small input on the session shell, and a large one on a channel of its own, both intact', async () => {
    const web2 = open('web2')
    // `$$` is the shell running the command: the session's `sh -s`, or a `sh -c` of its own.
    const command = 'cksum; ps -o args= -p $$'
    const small = randomBytes(100_000)
    const large = randomBytes(700_000)
    const [onSession, onChannel] = await Promise.all([
      web2.exec(command, { brief: true, stdin: Readable.from([small.subarray(0, 5), small.subarray(5)]) }),
      web2.exec(command, { brief: true, stdin: Readable.from([large.subarray(0, 300_000), large.subarray(300_000)]) }),
    ])
    expect(onSession.stdout).toBe(`${execFileSync('cksum', { input: small }).toString()}sh -s\n`)
    const [sum, shell] = onChannel.stdout.split(/(?<=\n)/)
    expect(sum).toBe(execFileSync('cksum', { input: large }).toString())
    expect(shell).toMatch(/^sh -c /)
  })

  it('ends the connection when a brief command outlives its timeout', async () => {
    const web3 = open('web3')
    const result = await web3.exec('sleep 20', { brief: true, timeoutMs: 300, allowFailure: true })
    expect(result.timedOut).toBe(true)
    expect((await web3.exec('echo again', { brief: true })).stdout).toBe('again\n')
  })
})

describe('connection failures', () => {
  it('names an unreachable host fast', async () => {
    await fleet.stopHost('web3')
    try {
      const started = Date.now()
      const error = await open('web3').connect().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TransportError)
      expect(error).toMatchObject({ host: 'web3', message: expect.stringMatching(/web3.*connection refused/) })
      expect(Date.now() - started).toBeLessThan(2000)
    } finally {
      await fleet.startHost('web3')
    }
  })

  it('refuses a host whose key does not match known_hosts, before running anything', async () => {
    const known = readFileSync(fleet.knownHostsFile, 'utf8').split('\n')
    const web1Key = known.find((line) => line.startsWith('[127.0.0.11]'))?.split(' ').slice(1).join(' ')
    const tampered = known.map((line) => (line.startsWith('[127.0.0.12]') ? `[127.0.0.12]:${fleet.port} ${web1Key}` : line))
    const knownHostsFile = join(fleet.root, 'known_hosts.tampered')
    writeFileSync(knownHostsFile, tampered.join('\n'))
    const sshConfigFile = await fleet.writeSshConfig({ file: join(fleet.root, 'ssh_config.tampered'), knownHostsFile })
    const error = await open('web2', { sshConfigFile, strictHostKeyChecking: 'accept-new' }).exec(`touch ${srv('web2')}/tampered`).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ host: 'web2', message: expect.stringContaining('does not match known_hosts') })
    expect((error as TransportError).hint).toContain(`ssh-keygen -f "${knownHostsFile}" -R "[127.0.0.12]:${fleet.port}"`)
    expect(readdirSync(fleet.hostDir('web2'))).not.toContain('tampered')
  })

  it('reports an authentication failure for a key the host does not know', async () => {
    const identityFile = join(fleet.root, 'stranger_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', identityFile])
    const sshConfigFile = await fleet.writeSshConfig({ file: join(fleet.root, 'ssh_config.stranger'), identityFile })
    const error = await open('web1', { sshConfigFile }).connect().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ message: expect.stringContaining('authentication failed') })
    expect((error as TransportError).hint).toContain('ssh -v web1')
  })

  it('refuses an unknown host key with `yes`, records it with `accept-new`', async () => {
    const knownHostsFile = join(fleet.root, 'known_hosts.empty')
    writeFileSync(knownHostsFile, '')
    const sshConfigFile = await fleet.writeSshConfig({ file: join(fleet.root, 'ssh_config.empty'), knownHostsFile })
    const refused = await open('web1', { sshConfigFile }).connect().catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(TransportError)
    expect((refused as TransportError).hint).toContain('accept-new')
    const result = await open('web1', { name: 'web1-new', sshConfigFile, strictHostKeyChecking: 'accept-new' }).exec('echo ok')
    expect(result.stdout).toBe('ok\n')
    expect(result.stderr).toBe('')
    expect(readFileSync(knownHostsFile, 'utf8')).toContain(`[127.0.0.11]:${fleet.port} ssh-ed25519`)
  })

  it('reports a host killed mid-command, then reconnects once it is back', async () => {
    const web2 = open('web2')
    await web2.connect()
    const marker = `sleep 20.${randomInt(1e6)}`
    const running = web2.exec(marker).catch((e: unknown) => e)
    await waitFor(() => psArgs().includes(marker), 10_000, 'the command to start on web2')
    await fleet.stopHost('web2')
    const error = await running
    await fleet.startHost('web2')
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({ host: 'web2' })
    expect((await web2.exec('echo back')).stdout).toBe('back\n')
  })
})

describe('connections', () => {
  it('reaches a host behind a bastion with ProxyJump', async () => {
    const before = await fleet.countLogins('bastion')
    expect((await open('behind').exec('echo behind')).stdout).toBe('behind\n')
    expect(await fleet.countLogins('bastion')).toBe(before + 1)
  })

  it('names the host behind a bastion that is down', async () => {
    await fleet.stopHost('bastion')
    try {
      const error = await open('behind', { name: 'behind-down' }).connect().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TransportError)
      expect(error).toMatchObject({ host: 'behind-down' })
    } finally {
      await fleet.startHost('bastion')
    }
  })

  it('close() ends the master, removes its socket and is safe twice', async () => {
    const dir = await createControlDir()
    try {
      const web1 = open('web1', { controlDir: dir.path })
      await web1.exec('true')
      expect(readdirSync(dir.path)).toHaveLength(1)
      expect(psArgs()).toContain(dir.path)
      await web1.close()
      await web1.close()
      expect(readdirSync(dir.path)).toHaveLength(0)
      expect(psArgs()).not.toContain(dir.path)
    } finally {
      await dir.remove()
    }
  })
})

function digest(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}
