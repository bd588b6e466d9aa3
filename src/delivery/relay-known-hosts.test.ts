import { execFileSync } from 'node:child_process'
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { entryMatches, KnownHostsFiles, parseKnownHosts } from './relay-known-hosts.js'

const dir = mkdtempSync(join(tmpdir(), 'berth-known-hosts-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function newKey(name: string): string {
  const file = join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@test`, '-f', file])
  return readFileSync(`${file}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')
}

/** What `ssh-keygen -F` finds for `name` in `file`, each line filed under `alias` (markers kept, comments dropped). */
function sshKeygenFinds(file: string, name: string, alias: string): string[] {
  let output: string
  try {
    output = execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return []
  }
  return output.split('\n').flatMap((line) => {
    const fields = line.trim().split(/\s+/)
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return []
    const marker = fields[0].startsWith('@') ? [fields.shift()!] : []
    fields.shift()
    return [[...marker, alias, ...fields].join(' ')]
  })
}

describe('the known_hosts lines handed to a relay', () => {
  const [k1, k2, k3, k4] = ['one', 'two', 'three', 'four'].map(newKey) as [string, string, string, string]
  const plain = join(dir, 'known_hosts')
  writeFileSync(
    plain,
    [
      '# a comment',
      `web1,10.0.0.1 ${k1}`,
      `[web2]:2222 ${k2} a comment with words`,
      `web2\t${k3}`,
      `*.example.org,!bad.example.org ${k4}`,
      `@revoked web1 ${k4}`,
      `@cert-authority *.example.org ${k1}`,
      `WEB5 ${k2}`,
      `web?.lan ${k3}`,
      '',
    ].join('\n'),
  )
  // The same file as `ssh-keygen -H` hashes it (patterns it cannot hash stay as they are).
  const hashed = join(dir, 'known_hosts.hashed')
  copyFileSync(plain, hashed)
  execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' })
  // Lines ssh skips (ssh-keygen -H refuses to hash a file with them): added to both afterwards.
  for (const file of [plain, hashed]) appendFileSync(file, `@unknown web1 ${k3}\nweb1 ssh-ed25519\n`)
  const names = ['web1', '10.0.0.1', '[web2]:2222', 'web2', '[web1]:2222', 'a.example.org', 'bad.example.org', 'web5', 'Web1', 'web7.lan', 'web77.lan', 'nothere']

  it('hashes the test file for real', () => {
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|[^|]+\|[^| ]+ ssh-ed25519 /m)
    expect(readFileSync(hashed, 'utf8')).not.toMatch(/^web1,/m)
  })

  for (const [label, file] of [
    ['plain', plain],
    ['hashed by ssh-keygen -H', hashed],
  ] as const) {
    it(`finds what ssh-keygen -F finds, ${label}`, async () => {
      const files = new KnownHostsFiles()
      const known = { find: async (paths: string[], name: string, alias: string) => (await files.find(paths, name, alias, true)).lines }
      for (const name of names) {
        expect((await known.find([file], name, 'alias')).sort(), name).toEqual(sshKeygenFinds(file, name, 'alias').sort())
      }
      // Not vacuous: keys found, revoked ones with their marker, none for an unknown host.
      expect(await known.find([file], 'web1', 'h')).toEqual(expect.arrayContaining([`h ${k1}`, `@revoked h ${k4}`]))
      expect(await known.find([file], '[web2]:2222', 'h')).toEqual([`h ${k2} a comment with words`])
      // Negated in the plain entry: only the CA line that names it is left.
      expect(await known.find([file], 'bad.example.org', 'h')).toEqual([`@cert-authority h ${k1}`])
      expect(await known.find([file], 'nothere', 'h')).toEqual([])
    })
  }

  it('matches a hashed entry only for the name it was made from', () => {
    const [entry] = parseKnownHosts(readFileSync(hashed, 'utf8')).filter((e) => e.hosts.startsWith('|1|'))
    expect(entry).toBeDefined()
    const matching = names.filter((name) => entryMatches(entry!, name))
    expect(matching).toHaveLength(1)
    // A hash of another length, a salt of another length, extra fields: no match, never a guess.
    const [salt, hash] = entry!.hosts.slice(3).split('|') as [string, string]
    expect(entryMatches({ hosts: `|1|${salt}|${hash}|x` }, matching[0]!)).toBe(false)
    expect(entryMatches({ hosts: `|1|${Buffer.from('short').toString('base64')}|${hash}` }, matching[0]!)).toBe(false)
    expect(entryMatches({ hosts: '|1|' }, matching[0]!)).toBe(false)
    expect(entryMatches({ hosts: '|2|abc|def' }, matching[0]!)).toBe(false)
  })

  it('reads each file once per run, and a missing file as empty', async () => {
    const file = join(dir, 'changing')
    writeFileSync(file, `web1 ${k1}\n`)
    const known = new KnownHostsFiles()
    expect((await known.find([file, join(dir, 'missing')], 'web1', 'a', true)).lines).toEqual([`a ${k1}`])
    writeFileSync(file, `web1 ${k2}\n`)
    expect((await known.find([file], 'web1', 'a', true)).lines).toEqual([`a ${k1}`])
    expect((await new KnownHostsFiles().find([file], 'web1', 'a', true)).lines).toEqual([`a ${k2}`])
  })

  it('hands over a certificate authority only when told the relay checks the same name', async () => {
    const known = new KnownHostsFiles()
    expect(await known.find([plain], 'a.example.org', 'h', true)).toEqual({ lines: [`h ${k4}`, `@cert-authority h ${k1}`], authoritiesLeftOut: false })
    expect(await known.find([plain], 'a.example.org', 'h', false)).toEqual({ lines: [`h ${k4}`], authoritiesLeftOut: true })
    expect(await known.find([plain], 'bad.example.org', 'h', false)).toEqual({ lines: [], authoritiesLeftOut: true })
    expect(await known.find([plain], 'web1', 'h', false)).toEqual({ lines: [`h ${k1}`, `@revoked h ${k4}`], authoritiesLeftOut: false })
  })

  it('leaves out lines ssh would not read', () => {
    expect(parseKnownHosts(`@unknown web1 ${k1}\nweb1\nweb1 ssh-ed25519\n  # comment\n\n@revoked\n`)).toEqual([])
  })
})
