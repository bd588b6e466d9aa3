import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { buffer } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { HOSTILE_VALUES, hostileHost } from '../../test/helpers/sh.js'
import { tarWithFiles } from '../delivery/tar-entries.js'
import { layoutFor, type Layout } from '../release/layout.js'
import { parseRelayStatus, relayedStream, relayFailure, relayFanOut, relayJobs, relayStagingDir, stageRelayed, RELAY_JOBS, RELAY_KNOWN_HOSTS, type RelayJob } from './relay.js'
import { receiveRelease } from './release.js'

const A = '20260101T000000-aaaaaaa'

describe('relay commands as strings', () => {
  const layout = layoutFor('/srv/shop')

  it('stage a relayed stream privately in the release delivery directory, the deploy directories made first', () => {
    expect(relayedStream(layout, A)).toBe(`/srv/shop/releases/.${A}.delivery/relayed`)
    expect(stageRelayed(layout, A)).toBe(
      [
        '{ [ -d /srv/shop/releases ] && [ -d /srv/shop/shared ] && [ -d /srv/shop/.berth/releases ] || mkdir -p /srv/shop/releases /srv/shop/shared /srv/shop/.berth/releases; }',
        `{ for d in /srv/shop/releases/.*.delivery; do [ -d "$d" ] || continue; r=\${d##*/.}; r=\${r%.delivery}; [ "$r" = ${A} ] || [ -e /srv/shop/releases/"$r" ] || rm -rf "$d"; done\n}`,
        'umask 077',
        `{ [ -d /srv/shop/releases/.${A}.delivery ] || mkdir -p /srv/shop/releases/.${A}.delivery; }`,
        `cat > /srv/shop/releases/.${A}.delivery/relayed.part`,
        `mv -f /srv/shop/releases/.${A}.delivery/relayed.part /srv/shop/releases/.${A}.delivery/relayed`,
      ].join(' && '),
    )
    expect(receiveRelease(layout, A, false, null, relayedStream(layout, A)).startsWith(`tar -x -m -i -f /srv/shop/releases/.${A}.delivery/relayed --no-same-owner`)).toBe(true)
  })

  it('fans out from a private staging directory under .berth, with strict host keys from the run file only', () => {
    const dir = relayStagingDir(layout, 'run1')
    expect(dir).toBe('/srv/shop/.berth/relay-run1')
    const command = relayFanOut(layout, dir, { connectTimeoutS: 7, sweep: true })
    expect(command).toContain('( umask 077 && { [ -d /srv/shop/.berth ] || mkdir -p /srv/shop/.berth; } && mkdir /srv/shop/.berth/relay-run1 )')
    expect(command).toContain("rm -rf -- /srv/shop/.berth/relay-*\n} || exit $?")
    expect(command).toContain('tar -x -f - --no-same-owner -C /srv/shop/.berth/relay-run1 || { rm -rf /srv/shop/.berth/relay-run1; exit 1; }')
    expect(command).toContain('( cd /srv/shop/.berth/relay-run1 && xargs -0 -n 7 -P 16 sh -c ')
    for (const option of ['BatchMode=yes', 'StrictHostKeyChecking=yes', 'UserKnownHostsFile=known_hosts', 'GlobalKnownHostsFile=/dev/null', '"HostKeyAlias=$alias"', 'ConnectTimeout=7', 'ForwardAgent=no', 'ControlMaster=no']) {
      expect(command).toContain(`-o ${option}`)
    }
    expect(command).toContain('-S none')
    expect(command).toContain('-o Compression=no')
    expect(command).toContain('-o LogLevel=ERROR -p "$port"')
    expect(command.endsWith('rm -rf /srv/shop/.berth/relay-run1\nexit $status')).toBe(true)
    expect(relayFanOut(layout, dir, { connectTimeoutS: 7, sweep: false })).not.toContain('relay-*')
  })

  it('writes jobs NUL-separated, seven fields each, "-" for the relay itself', () => {
    const jobs: RelayJob[] = [
      { index: 0, stream: 'stream-0', target: null, command: 'c0' },
      { index: 1, stream: 'stream-0', target: { address: '10.0.0.7', port: 2222, user: 'deploy', alias: 'web7' }, command: 'c 1' },
    ]
    expect(relayJobs(jobs).split('\0')).toEqual(['0', 'stream-0', '-', '22', '-', '-', 'c0', '1', 'stream-0', '10.0.0.7', '2222', 'deploy', 'web7', 'c 1', ''])
  })

  it('reads one status line per job, whatever else the relay printed', () => {
    expect(parseRelayStatus('noise\nberth-relay 0 ok\nberth-relay 2 failed Host key verification failed.  \nberth-relay 3 failed\n')).toEqual(
      new Map([
        [0, null],
        [2, 'Host key verification failed.'],
        [3, 'failed without a message'],
      ]),
    )
  })

  it('fails a host fetch with the reason', () => {
    expect(relayFailure("relay web1 could not reach web7: it's down")).toBe(`echo 'berth: relay web1 could not reach web7: it'\\''s down' >&2; exit 1`)
  })
})

describe('relay commands under sh, in a hostile deploy path', () => {
  /** The archive a relay gets: berth's two files, then the streams. */
  async function archive(jobs: RelayJob[], streams: Record<string, string>, base: string): Promise<Buffer> {
    const { writeFileSync } = await import('node:fs')
    const files = Object.entries(streams).map(([name, content], i) => {
      const path = `${base}/stream-file-${i}`
      writeFileSync(path, content)
      return { name, mode: 0o600, path, size: Buffer.byteLength(content) }
    })
    return buffer(tarWithFiles([{ name: RELAY_KNOWN_HOSTS, mode: 0o600, content: '' }, { name: RELAY_JOBS, mode: 0o600, content: relayJobs(jobs) }], files))
  }

  it('stages each stream on its host (here the relay itself), reports each job, and leaves no staging directory', async () => {
    const { layout, run, box } = hostileHost()
    const releases = HOSTILE_VALUES.filter((v) => v !== '' && !v.includes('/') && v !== '*').slice(0, 3).map((v) => `${A}${v}`)
    // One host per job, as in a deploy (a host is locked by the run its one job stages for):
    // here, one deploy directory each beside the relay's.
    const hostLayout = (index: number): Layout => (index === 0 ? layout : layoutFor(`${layout.root}-${index}`))
    const jobs = releases.map((release, index): RelayJob => ({ index, stream: `stream-${index % 2}`, target: null, command: stageRelayed(hostLayout(index), release) }))
    // A host whose own command fails: its status says why, the others still arrive.
    jobs.push({ index: 9, stream: 'stream-0', target: null, command: `echo "no room on $(printf 'this')
disk" >&2; exit 3` })
    const input = await archive(jobs, { 'stream-0': 'zero', 'stream-1': 'one' }, box.base)
    const dir = relayStagingDir(layout, 'run-1')
    mkdirSync(layout.berth, { recursive: true })
    mkdirSync(relayStagingDir(layout, 'left-by-a-dead-run'))
    // What a stopped deploy left: a staged stream with no release (swept), and one beside a release (kept).
    for (const id of ['20250101T000000-dead000', '20250101T000000-kept000']) mkdirSync(`${layout.delivery(id)}`, { recursive: true })
    mkdirSync(layout.release('20250101T000000-kept000'))
    const result = run(relayFanOut(layout, dir, { connectTimeoutS: 5, sweep: true }), input)
    expect(result.code, result.stderr).toBe(0)
    expect(existsSync(layout.delivery('20250101T000000-dead000'))).toBe(false)
    expect(existsSync(layout.delivery('20250101T000000-kept000'))).toBe(true)
    const statuses = parseRelayStatus(result.stdout)
    expect(statuses.get(0)).toBeNull()
    expect(statuses.get(1)).toBeNull()
    expect(statuses.get(2)).toBeNull()
    expect(statuses.get(9)).toBe('no room on this disk')
    releases.forEach((release, index) => {
      const host = hostLayout(index)
      expect(readFileSync(relayedStream(host, release), 'utf8')).toBe(index % 2 === 0 ? 'zero' : 'one')
      expect(statSync(relayedStream(host, release)).mode & 0o777).toBe(0o600)
      expect(statSync(host.delivery(release)).mode & 0o777).toBe(0o700)
    })
    // The deploy directories keep the host's usual mode; nothing is left of the staging.
    expect(statSync(layout.releases).mode & 0o077).not.toBe(0)
    expect(readdirSync(layout.berth)).toEqual(['releases'])
    expect(box.pwned()).toEqual([])
  })

  it('reports ssh\'s own message for a host the relay cannot reach, and refuses an unknown host key', async () => {
    const { layout, run, box } = hostileHost()
    const jobs: RelayJob[] = [
      // Nothing listens on port 1 of loopback: refused at once.
      { index: 0, stream: 'stream-0', target: { address: '127.0.0.1', port: 1, user: 'deploy', alias: 'web7' }, command: stageRelayed(layout, A) },
      { index: 1, stream: 'stream-0', target: { address: '127.0.0.1', port: 1, user: '$(touch pwned9)', alias: 'x;touch pwned10' }, command: `${stageRelayed(layout, A)}; touch pwned11` },
      // Words that a shell would act on, as an address: ssh gets them as one inert word.
      ...HOSTILE_VALUES.filter((value) => value !== '').map((address, i): RelayJob => ({ index: 10 + i, stream: 'stream-0', target: { address, port: 1, user: 'deploy', alias: 'web7' }, command: 'touch pwned12' })),
    ]
    const input = await archive(jobs, { 'stream-0': 'zero' }, box.base)
    const result = run(relayFanOut(layout, relayStagingDir(layout, 'run-2'), { connectTimeoutS: 5, sweep: false }), input)
    expect(result.code, result.stderr).toBe(0)
    expect(parseRelayStatus(result.stdout).get(0)).toMatch(/connect to host 127\.0\.0\.1 port 1: Connection refused/)
    expect(parseRelayStatus(result.stdout).get(1)).toEqual(expect.any(String))
    HOSTILE_VALUES.filter((value) => value !== '').forEach((_, i) => expect(parseRelayStatus(result.stdout).get(10 + i)).toEqual(expect.any(String)))
    expect(existsSync(layout.delivery(A))).toBe(false)
    expect(box.pwned()).toEqual([])
  })

  it('fails as a whole when it cannot stage the archive, and cleans up', () => {
    const { layout, run } = hostileHost()
    mkdirSync(layout.berth, { recursive: true })
    const result = run(relayFanOut(layout, relayStagingDir(layout, 'run-3'), { connectTimeoutS: 5, sweep: false }), Buffer.from('not a tar archive, long enough to be read as one block'.repeat(20)))
    expect(result.code).not.toBe(0)
    expect(readdirSync(layout.berth)).toEqual([])
  })
})
