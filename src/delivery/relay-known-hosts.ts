/**
 * The host keys this machine trusts for a host, read from its known_hosts files in-process
 * (what `ssh-keygen -F NAME -f FILE` prints, without a process per host and file): each
 * file is read and parsed once per run, then every host of the run is matched against it.
 *
 * Matching follows OpenSSH's `hostfile.c` as ssh itself looks a host up, so that the relay
 * is handed exactly the lines ssh on this machine would consult:
 * - a hashed entry (`|1|SALT|HASH`) matches when HMAC-SHA1 of the name, keyed with the
 *   salt, is the hash;
 * - a plain entry is a comma list of patterns (`*` and `?` wildcards, `[host]:port`),
 *   compared without regard to case; a negated pattern (`!pattern`) that matches makes the
 *   whole line not match, whatever else in it does;
 * - `@revoked` lines are kept with their marker: a revoked key stays revoked on the relay;
 * - `@cert-authority` lines only when the relay will check the host's certificate against
 *   the same name as this machine does: ssh checks a certificate's principals against the
 *   HostKeyAlias, else the HostName, and the relay's alias is a name of berth's choosing
 *   (under another name, the relay could accept a certificate this machine would refuse);
 * - any other marker, or a line ssh could not read, is left out, as ssh leaves it out.
 */
import { createHmac } from 'node:crypto'
import { readFile } from 'node:fs/promises'

/** One usable line of a known_hosts file. */
interface KnownHostsEntry {
  marker: '@revoked' | '@cert-authority' | null
  /** The host field as written: `|1|salt|hash`, or a comma list of patterns. */
  hosts: string
  /** Key type, key and comment, as written. */
  rest: string[]
}

/** What `KnownHostsFiles.find` found for one host. */
export interface FoundKeys {
  /** known_hosts lines for the relay. */
  lines: string[]
  /** A `@cert-authority` line named the host, and was not handed over. */
  authoritiesLeftOut: boolean
}

const MARKERS = new Set(['@revoked', '@cert-authority'])
const HASH_MAGIC = '|1|'

/** The usable lines of a known_hosts file's text. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  return text.split('\n').flatMap((line): KnownHostsEntry[] => {
    const fields = line.trim().split(/[ \t]+/)
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return []
    let marker: KnownHostsEntry['marker'] = null
    if (fields[0].startsWith('@')) {
      // An unknown marker: ssh skips the line, and so does the relay's file.
      if (!MARKERS.has(fields[0])) return []
      marker = fields.shift() as KnownHostsEntry['marker']
    }
    const hosts = fields.shift()
    // Host, key type and key at least: a shorter line is not an entry.
    return hosts === undefined || fields.length < 2 ? [] : [{ marker, hosts, rest: fields }]
  })
}

/**
 * Whether `entry` names `name` (`host`, or `[host]:port` off port 22, as ssh looks it up).
 * A malformed hashed field matches nothing: a key is never handed over by mistake.
 */
export function entryMatches(entry: Pick<KnownHostsEntry, 'hosts'>, name: string): boolean {
  if (entry.hosts.startsWith(HASH_MAGIC)) {
    const [salt, hash, ...extra] = entry.hosts.slice(HASH_MAGIC.length).split('|')
    if (salt === undefined || hash === undefined || extra.length > 0) return false
    const key = Buffer.from(salt, 'base64')
    // SHA-1's block: ssh refuses any other salt length.
    if (key.length !== 20) return false
    return createHmac('sha1', key).update(name).digest('base64') === hash
  }
  const lower = name.toLowerCase()
  let matched = false
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!')
    if (!globMatches(negated ? pattern.slice(1) : pattern, lower)) continue
    if (negated) return false
    matched = true
  }
  return matched
}

/** ssh's `match_pattern`: `*` any run of characters, `?` one; compared in lower case. */
function globMatches(pattern: string, name: string): boolean {
  if (pattern === '') return false
  const source = [...pattern.toLowerCase()].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')
  return new RegExp(`^${source}$`, 's').test(name)
}

/** The known_hosts files of one run, each read at most once; a file that cannot be read has no entries. */
export class KnownHostsFiles {
  private readonly files = new Map<string, Promise<KnownHostsEntry[]>>()

  private entries(file: string): Promise<KnownHostsEntry[]> {
    let found = this.files.get(file)
    if (found === undefined) {
      found = readFile(file, 'utf8').then(parseKnownHosts, () => [])
      this.files.set(file, found)
    }
    return found
  }

  /**
   * The lines of `files` that name `name`, each with its host field replaced by `alias`;
   * `@cert-authority` lines only `withAuthorities` (see the top of this file).
   */
  async find(files: readonly string[], name: string, alias: string, withAuthorities: boolean): Promise<FoundKeys> {
    const all = await Promise.all(files.map((file) => this.entries(file)))
    const matching = all.flat().filter((entry) => entryMatches(entry, name))
    const kept = matching.filter((entry) => withAuthorities || entry.marker !== '@cert-authority')
    return {
      lines: kept.map((entry) => [...(entry.marker === null ? [] : [entry.marker]), alias, ...entry.rest].join(' ')),
      authoritiesLeftOut: kept.length < matching.length,
    }
  }
}
