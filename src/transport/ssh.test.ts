import { spawn, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { TransportError } from '../errors.js'
import { shellJoin } from './quote.js'
import { buildControlArgs, buildExecArgs, buildMasterArgs, type SshTarget } from './ssh-args.js'
import { classifySshStderr, toTransportError } from './ssh-errors.js'
import { buildExports, buildInputCommand, buildInputHeader, buildRemoteScript } from './ssh-script.js'

const target: SshTarget = {
  host: 'web1',
  strictHostKeyChecking: 'yes',
  connectTimeoutMs: 4500,
  forwardAgent: false,
  controlPath: '/tmp/berth-ssh-x/0123456789abcdef',
}
const common =
  '-T -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=5 -o ServerAliveInterval=15 -o ServerAliveCountMax=3 ' +
  '-o ForwardAgent=no -o LogLevel=ERROR -o ControlPath=/tmp/berth-ssh-x/0123456789abcdef'

describe('ssh argv', () => {
  it('builds the master', () => {
    expect(shellJoin(buildMasterArgs(target))).toBe(`${common} -o ControlMaster=yes -o ControlPersist=no -- web1 'sh -s'`)
  })

  it('builds a command over the master, with config file, user and port', () => {
    const args = buildExecArgs({ ...target, sshConfigFile: '/etc/berth ssh', user: 'deploy', port: 2222, strictHostKeyChecking: 'accept-new', forwardAgent: true }, 'sh -s')
    expect(shellJoin(args)).toBe(
      `-F '/etc/berth ssh' -l deploy -p 2222 ${common.replace('=yes -o Connect', '=accept-new -o Connect').replace('ForwardAgent=no', 'ForwardAgent=yes')} -o ControlMaster=no -- web1 'sh -s'`,
    )
  })

  it('builds control commands and escapes % in the socket path', () => {
    expect(shellJoin(buildControlArgs({ ...target, controlPath: '/tmp/a%b/s' }, 'exit'))).toContain('-o ControlPath=/tmp/a%%b/s -O exit -- web1')
  })

  it('never disables host key checking', () => {
    expect(buildMasterArgs(target).join(' ')).not.toMatch(/StrictHostKeyChecking=no/)
  })
})

/**
 * Runs a script the way the remote side does: `sh -s` as a process group leader (sshd
 * makes every session one), stdin held open like ssh holds it, closed after `closeAfterMs`.
 */
function runScript(script: string, extraInput = '', closeAfterMs?: number): Promise<{ stdout: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-s'], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stdin.write(script + extraInput)
    if (closeAfterMs !== undefined) setTimeout(() => child.stdin.end(), closeAfterMs)
    child.on('close', (status) => {
      child.stdin.destroy()
      resolve({ stdout, status })
    })
  })
}

describe('remote script', () => {
  it('exports hostile values exactly, newlines included', async () => {
    const env = { A: "it's $HOME `id` \\ \"q\"", B: 'line1\nline2\n\n', C: '' }
    const { stdout } = await runScript(buildRemoteScript('printf "%s|%s|%s|" "$A" "$B" "$C"', env))
    expect(stdout).toBe(`${env.A}|${env.B}|${env.C}|`)
  })

  it('keeps the exports on one line', () => {
    expect(buildExports({ B: 'x\ny' })).not.toContain('\n')
    expect(buildExports({})).toBe(':')
  })

  it('refuses names that are not shell variables', () => {
    expect(() => buildExports({ 'A;rm': 'x' })).toThrow(/invalid environment variable name/)
  })

  it('returns the command exit code, and `exit` inside the command ends only the command', async () => {
    expect((await runScript(buildRemoteScript('exit 42'))).status).toBe(42)
    expect((await runScript(buildRemoteScript('echo hi; exit 0'))).stdout).toBe('hi\n')
  })

  it('stops the command and its children when stdin closes', async () => {
    const started = Date.now()
    const { stdout, status } = await runScript(buildRemoteScript('sh -c "sleep 30"; echo not reached'), '', 200)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(stdout).toBe('')
    expect(status).not.toBe(0)
  })

  it('gives the command an empty stdin, so it cannot read the script', async () => {
    const { stdout, status } = await runScript(buildRemoteScript('cat; echo after'), 'trailing input\n')
    expect(stdout).toBe('after\n')
    expect(status).toBe(0)
  })

  it('passes the export line, then the data, in input mode', () => {
    const command = buildInputCommand('printf "%s:" "$K"; cat')
    const result = spawnSync('sh', ['-c', command], { input: `${buildInputHeader({ K: 'v\nw' })}payload\nmore`, encoding: 'utf8' })
    expect(result.stdout).toBe('v\nw:payload\nmore')
  })
})

describe('ssh failures', () => {
  const endpoint = { name: 'web1', destination: 'deploy@10.0.0.5' }

  it.each([
    ['ssh: connect to host 10.0.0.5 port 22: Connection refused', 'refused'],
    ['ssh: connect to host 10.0.0.5 port 22: Connection timed out', 'timeout'],
    ['Connection timed out during banner exchange', 'timeout'],
    ['ssh: Could not resolve hostname nope: Name or service not known', 'resolve'],
    ['deploy@10.0.0.5: Permission denied (publickey).', 'auth'],
    ['No ED25519 host key is known for [127.0.0.11]:2222 and you have requested strict checking.\r\nHost key verification failed.', 'host-key-unknown'],
    [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\nHost key verification failed.',
      'host-key-changed',
    ],
    ['kex_exchange_identification: read: Connection reset by peer', 'closed'],
    ['mux_client_request_session: read from master failed: Broken pipe', 'multiplex'],
  ])('classifies %j', (stderr, kind) => {
    expect(classifySshStderr(stderr)?.kind).toBe(kind)
  })

  it('leaves a command’s own output alone', () => {
    expect(classifySshStderr('curl: (7) Failed to connect: Connection refused\nerror: exit 255')).toBeUndefined()
  })

  it('takes the detail, the new fingerprint and the exact removal command from ssh’s report of a changed key', () => {
    const report = [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'The fingerprint for the ED25519 key sent by the remote host is',
      'SHA256:Xz0YOqmVCLf1k0ZvkBweQK+vFvLqDS/CpWERGdDduW8.',
      'Offending ED25519 key in /home/me/.ssh/known_hosts:3',
      '  remove with:',
      '  ssh-keygen -f "/home/me/.ssh/known_hosts" -R "[127.0.0.12]:2222"',
      'Host key for [127.0.0.12]:2222 has changed and you have requested strict checking.',
      'Host key verification failed.',
    ].join('\r\n')
    const failure = classifySshStderr(report)
    expect(failure).toEqual({
      kind: 'host-key-changed',
      detail: 'Host key for [127.0.0.12]:2222 has changed and you have requested strict checking.',
      fingerprint: 'SHA256:Xz0YOqmVCLf1k0ZvkBweQK+vFvLqDS/CpWERGdDduW8',
      removeWith: 'ssh-keygen -f "/home/me/.ssh/known_hosts" -R "[127.0.0.12]:2222"',
    })
    const error = toTransportError(failure!, { name: 'web2', destination: 'web2' })
    expect(error.message).toBe('cannot run on web2: host key does not match known_hosts (Host key for [127.0.0.12]:2222 has changed and you have requested strict checking.)')
    expect(error.hint).toContain('is now SHA256:Xz0YOqmVCLf1k0ZvkBweQK+vFvLqDS/CpWERGdDduW8')
    expect(error.hint).toContain('`ssh-keygen -f "/home/me/.ssh/known_hosts" -R "[127.0.0.12]:2222"`')
  })

  it('names the host and says what to do', () => {
    const error = toTransportError({ kind: 'host-key-changed', detail: 'Host key verification failed.' }, endpoint)
    expect(error).toBeInstanceOf(TransportError)
    expect(error.host).toBe('web1')
    expect(error.message).toContain('web1')
    expect(error.hint).toContain('ssh-keygen -R 10.0.0.5')
    expect(toTransportError({ kind: 'host-key-unknown', detail: '' }, endpoint).hint).toContain('ssh.strictHostKeyChecking: accept-new')
    expect(toTransportError({ kind: 'auth', detail: '' }, endpoint).hint).toContain('ssh -v deploy@10.0.0.5')
  })

  it('quotes what it asks the user to paste', () => {
    const hostile = { name: 'web1', destination: "deploy@web1;touch /tmp/x'" }
    for (const kind of ['auth', 'refused', 'timeout', 'closed'] as const) {
      expect(toTransportError({ kind, detail: '' }, hostile).hint).toContain(`\`ssh -v 'deploy@web1;touch /tmp/x'\\'''\``)
    }
    expect(toTransportError({ kind: 'host-key-unknown', detail: '' }, hostile).hint).toContain(`\`ssh 'deploy@web1;touch /tmp/x'\\'''\` once`)
  })
})
