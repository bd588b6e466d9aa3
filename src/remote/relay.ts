/**
 * The host commands of `delivery.via: relay` (README, "Through relay hosts"). A relay gets,
 * on stdin, one tar archive holding the streams its hosts need, the host keys this machine
 * trusts for them (`known_hosts`, under names of berth's choosing) and one job per host
 * (`jobs`); it unpacks that into a private directory under `.berth/`, passes each stream
 * on to its host over an ssh connection of its own (strict host keys, bounded parallelism),
 * prints one status line per host, and removes the directory. Each host stages its stream
 * inside its release's delivery directory (`Layout.delivery`), where a failed or
 * interrupted deploy's clean-up removes it; its fetch step then unpacks from that file.
 *
 * Everything that grows with the number of hosts travels on stdin, never in the command's
 * text: a command is one argv word on the relay (`sh -c`), which Linux limits to 128 KiB.
 */
import type { Layout } from '../release/layout.js'
import { shellJoin, shellQuote as q } from '../transport/quote.js'
import { ensureDir, ensureLayout } from './directories.js'
import { all, script, sequence } from './script.js'

/** How a relay reaches one of its hosts: as `ssh -G` resolves it on the deploying machine (or `relayAddress`). */
export interface RelayTarget {
  address: string
  port: number
  user: string
  /** The name the host's keys are filed under in the run's known_hosts (`HostKeyAlias`). */
  alias: string
}

export interface RelayJob {
  /** Echoed back in the job's status line. */
  index: number
  /** The staged stream to send, a file name inside the relay's staging directory. */
  stream: string
  /** null: the relay itself, which stages its own stream without ssh. */
  target: RelayTarget | null
  /** What runs on the host with the stream on its stdin (`stageRelayed`, or `true` for a probe). */
  command: string
}

/** The relay's staging directory's name prefix under `.berth/`: what a later run on the relay may sweep. */
const STAGING_PREFIX = 'relay-'
/** Files of the staging directory, besides the streams. */
export const RELAY_KNOWN_HOSTS = 'known_hosts'
export const RELAY_JOBS = 'jobs'
/** The first word of each job's status line. */
const STATUS = 'berth-relay'
/** Hosts a relay sends to at once: enough to fill its uplink, few enough for the hosts' sshd `MaxStartups`. */
const RELAY_PARALLEL = 16
/** Fields per job in the jobs file (`relayJobs`), read by `JOB_SCRIPT` as $1..$7. */
const JOB_FIELDS = 7

/** The staging directory of one deploy on a relay: `.berth/relay-<run>`. */
export function relayStagingDir(layout: Layout, run: string): string {
  return `${layout.berth}/${STAGING_PREFIX}${run}`
}

/**
 * The jobs file: each job's fields NUL-separated (any byte but NUL may be in a field), in
 * the order `JOB_SCRIPT` reads them. `-` as the address means the relay itself.
 */
export function relayJobs(jobs: readonly RelayJob[]): string {
  return jobs
    .map((job) => {
      const t = job.target
      const fields = [String(job.index), job.stream, t?.address ?? '-', String(t?.port ?? 22), t?.user ?? '-', t?.alias ?? '-', job.command]
      return `${fields.join('\0')}\0`
    })
    .join('')
}

/**
 * One job, run by `xargs` in the staging directory with the job's fields as $1..$7. The
 * relay's own ssh settings apply, except what must not be its choice: no prompt, strict
 * host keys from the run's file only (relative: the directory's path may hold spaces, which
 * the option would split on), no agent passed further, no shared connection.
 */
function jobScript(connectTimeoutS: number): string {
  return script(
    'i=$1 src=$2 addr=$3 port=$4 user=$5 alias=$6 cmd=$7',
    'if [ "$addr" = - ]; then',
    '  out=$(sh -c "$cmd" 2>&1 < "$src")',
    'else',
    // The stream is compressed already, and a relay's hosts are near: no compression.
    `  out=$(ssh -T -S none -o ControlMaster=no -o BatchMode=yes -o StrictHostKeyChecking=yes -o UpdateHostKeys=no -o UserKnownHostsFile=${RELAY_KNOWN_HOSTS} -o GlobalKnownHostsFile=/dev/null -o "HostKeyAlias=$alias" -o ConnectTimeout=${connectTimeoutS} -o ForwardAgent=no -o Compression=no -o LogLevel=ERROR -p "$port" -l "$user" -- "$addr" "$cmd" 2>&1 < "$src")`,
    'fi',
    // One line per host, written at once (shorter than PIPE_BUF: parallel jobs do not mix).
    // ssh says why last (after a banner, for a changed host key): its last two lines.
    `if [ $? -eq 0 ]; then echo "${STATUS} $i ok"; else printf '${STATUS} %s failed %s\\n' "$i" "$(printf '%s\\n' "$out" | tail -n 2 | tr -s '\\n\\r' '  ' | cut -c1-400)"; fi`,
  )
}

/**
 * What runs on a relay: stage the archive on stdin (see the top of this file) into `dir`,
 * run every job, remove `dir` whatever happened. Earlier deploys' staging directories
 * are swept first: the relay is locked by this run, so any left is from a run that died.
 * It fails only when the relay could not stage (or run jobs at all); a host it could not
 * reach is a `failed` status line.
 */
export function relayFanOut(layout: Layout, dir: string, options: { connectTimeoutS: number; sweep: boolean }): string {
  return script(
    sequence(
      options.sweep ? `rm -rf -- ${q(layout.berth)}/${STAGING_PREFIX}*` : '',
      // Private from the start; the umask is not kept for the jobs: the relay's own job
      // makes its deploy directories as a first deploy there would.
      `( umask 077 && ${all(ensureDir(layout.berth), shellJoin(['mkdir', dir]))} )`,
      `tar -x -f - --no-same-owner -C ${q(dir)} || { ${shellJoin(['rm', '-rf', dir])}; exit 1; }`,
    ),
    runJobs(q(dir), options.connectTimeoutS),
    'status=$?',
    shellJoin(['rm', '-rf', dir]),
    'exit $status',
  )
}

/** Every job of the staging directory `dir` (shell text: a quoted path or `"$dir"`), `RELAY_PARALLEL` at a time. */
function runJobs(dir: string, connectTimeoutS: number): string {
  return `( cd ${dir} && xargs -0 -n ${JOB_FIELDS} -P ${RELAY_PARALLEL} sh -c ${q(jobScript(connectTimeoutS))} sh < ${RELAY_JOBS} )`
}

/**
 * `check`'s probe from a relay: the same jobs (each host's command `true`, its input
 * empty), from a temporary directory, since deployTo may not exist yet. Its status lines
 * come first in the output; it changes nothing under deployTo, and never fails the check
 * script it runs before (a relay without `xargs` or `ssh` says so as `@missing`).
 */
export function relayProbe(connectTimeoutS: number): string {
  return script(
    `dir=$( umask 077 && mktemp -d ) && tar -x -f - --no-same-owner -C "$dir" && ${runJobs('"$dir"', connectTimeoutS)}`,
    '[ -n "$dir" ] && rm -rf "$dir"',
  )
}

/** A probe job's command and input: the host only has to accept the login. */
export const PROBE = { command: 'true', stream: '/dev/null' } as const

/** What a relay said of each job, by index: null for ok, else ssh's (or the command's) message. */
export function parseRelayStatus(stdout: string): Map<number, string | null> {
  const statuses = new Map<number, string | null>()
  for (const line of stdout.split('\n')) {
    const match = new RegExp(`^${STATUS} (\\d+) (ok|failed)(?: (.*))?$`).exec(line)
    if (match === null) continue
    statuses.set(Number(match[1]), match[2] === 'ok' ? null : (match[3] ?? '').trim() || 'failed without a message')
  }
  return statuses
}

/** Where a host keeps the stream a relay passed it, until its fetch step unpacks it. */
export function relayedStream(layout: Layout, release: string): string {
  return `${layout.delivery(release)}/relayed`
}

/**
 * Run on a host with the relayed stream on stdin: kept, private, in the release's delivery
 * directory (complete or not at all: written beside, then renamed). The deploy directories
 * are made first with the host's usual umask, so a first deploy does not make them private.
 */
export function stageRelayed(layout: Layout, release: string): string {
  const file = relayedStream(layout, release)
  return all(ensureLayout(layout), sweepOrphans(layout, release), 'umask 077', ensureDir(layout.delivery(release)), `cat > ${q(`${file}.part`)}`, shellJoin(['mv', '-f', `${file}.part`, file]))
}

/**
 * A stream staged by a deploy that was stopped before its fetch step has no release beside
 * it, and nothing else would ever remove it: it goes now (the host is locked by this run,
 * so no other deploy is using one). A shell loop: no process unless there is one.
 */
function sweepOrphans(layout: Layout, release: string): string {
  return `for d in ${q(layout.releases)}/.*.delivery; do [ -d "$d" ] || continue; r=\${d##*/.}; r=\${r%.delivery}; [ "$r" = ${q(release)} ] || [ -e ${q(layout.releases)}/"$r" ] || rm -rf "$d"; done`
}

/** A host's fetch when its relay could not hand it the stream: fails with the reason. */
export function relayFailure(message: string): string {
  return `echo ${q(`berth: ${message}`)} >&2; exit 1`
}
