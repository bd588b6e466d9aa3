/**
 * Hostile input at every edge of the real CLI: flag values, refs, paths, environment
 * names, hosts and logins in berth.yml and in inventories, and YAML built to hurt the
 * parser. Each is refused with exit 2 and a message that names the problem, never with a
 * stack trace, never run as a command (a canary file that must not appear), and with
 * nothing changed on the host (same live release, same releases, same history, no lock).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createProject, localConfig, type CliResult, type Project } from '../helpers/project.js'

let p: Project
let canary: string
let before: string

/** Everything a refused command must leave as it was on the "host". */
function hostState(project: Project): string {
  return JSON.stringify({ live: project.live(), releases: project.releases(), history: project.history(), lock: project.exists('.berth/lock') })
}

function expectCleanRefusal(result: CliResult, message: RegExp): void {
  const output = result.stdout + result.stderr
  expect(result.code, output).toBe(2)
  expect(result.stderr).toMatch(message)
  // A stack trace is a bug report ("internal error", exit 70), not an answer to bad input.
  expect(output).not.toMatch(/\n\s+at |internal error|please report/)
  expect(existsSync(canary), 'the canary: something ran a command from the input').toBe(false)
  expect(hostState(p)).toBe(before)
}

beforeAll(async () => {
  p = createProject(localConfig())
  canary = join(p.base, 'canary')
  const first = await p.berth(['deploy', 'production'])
  expect(first.code, first.stderr).toBe(0)
})
// Each case answers for what it changed itself, so one failure does not fail every later case.
beforeEach(() => {
  rmSync(canary, { force: true })
  before = hostState(p)
})
afterAll(() => p.cleanup())

describe('flag values', () => {
  it.each<[string[], RegExp]>([
    [['deploy', 'production', '--concurrency', 'abc'], /--concurrency "abc" is not a whole number ≥ 1/],
    [['deploy', 'production', '--concurrency', '0'], /--concurrency "0" is not a whole number ≥ 1/],
    [['deploy', 'production', '--concurrency=1.5'], /--concurrency "1.5" is not a whole number ≥ 1/],
    [['history', 'production', '--limit', 'abc'], /--limit "abc" is not a whole number ≥ 1/],
    [['rollback', 'production', '--lock-wait', 'xyz'], /--lock-wait "xyz" is not a duration/],
    [['deploy', 'production', '--lock-wait', '5'], /--lock-wait "5" is not a duration/],
    [['deploy', 'production', '--hosts', ''], /--hosts is empty/],
    [['deploy', 'production', '--roles', ','], /--roles is empty/],
    [['deploy', 'production', '--ref', 'main', '--ref', 'other'], /--ref is given 2 times/],
    [['deploy', 'production', '--ref'], /--ref <ref>` value is missing/],
    [['deploy', 'production', '--bogus'], /unknown option --bogus\n/],
  ])('berth %j', async (args, message) => {
    expectCleanRefusal(await p.berth(args), message)
  })
})

describe('refs', () => {
  it.each<[string, RegExp]>([
    ['', /--ref is empty/],
    ['-oops', /--ref "-oops" is not a branch, tag or sha/],
    ['--upload-pack=touch __CANARY__', /--ref "--upload-pack=touch .*canary" is not a branch, tag or sha/],
    ['main touch __CANARY__', /is not a branch, tag or sha/],
    ['main\ntouch __CANARY__', /--ref "main\\ntouch .*canary" is not a branch, tag or sha/],
    ['$(touch${IFS}__CANARY__)', /ref "\$\(touch\$\{IFS\}.*canary\)" is not a commit/],
    ['`touch __CANARY__`', /is not a branch, tag or sha/],
    // Read as typed: cac alone would look up 777, 202612.1 and 1000.
    ['0777', /ref "0777" is not a commit/],
    ['202612.10', /ref "202612.10" is not a commit/],
    ['1e3', /ref "1e3" is not a commit/],
  ])('--ref %j', async (ref, message) => {
    const typed = ref.replaceAll('__CANARY__', canary)
    // A word starting with "-" can only be given as --ref=WORD; the others come as a word of their own.
    expectCleanRefusal(await p.berth(['deploy', 'production', ...(typed.startsWith('-') ? [`--ref=${typed}`] : ['--ref', typed])]), message)
  })
})

describe('release names, environment names and paths', () => {
  it.each<[string[], RegExp]>([
    [['rollback', 'production', '--to', '../../etc'], /--to "..\/..\/etc" is not a release name/],
    [['rollback', 'production', '--to=$(touch __CANARY__)'], /--to "\$\(touch .*canary\)" is not a release name/],
    [['rollback', 'production', '--to', ''], /--to "" is not a release name/],
    [['deploy', '../production'], /unknown environment "..\/production"/],
    [['deploy', '$(touch __CANARY__)'], /unknown environment "\$\(touch .*canary\)"/],
    [['deploy', '__proto__'], /unknown environment "__proto__"/],
    [['deploy', 'constructor'], /unknown environment "constructor"/],
    [['status', '--json', '0777'], /unknown environment \\"0777\\"/],
    [['-c', '$(touch __CANARY__)', 'deploy', 'production'], /config file \$\(touch .*canary\) not found/],
    [['-c', '/dev/null', 'deploy', 'production'], /config file \/dev\/null not found/],
    [['-c', '.', 'deploy', 'production'], /config file \. not found/],
    [['deploy', 'production', '--hosts', 'localhost;touch __CANARY__'], /production has no host localhost;touch/],
  ])('berth %j', async (args, message) => {
    const result = await p.berth(args.map((arg) => arg.replaceAll('__CANARY__', canary)))
    // `--json` reports the error as a JSON line on stdout.
    expectCleanRefusal({ ...result, stderr: result.stderr + result.stdout }, message)
  })
})

/** A config beside the project's own, loaded with `-c`: whatever it says, nothing may reach the host. */
async function withConfig(name: string, text: string, files: Record<string, string> = {}): Promise<CliResult> {
  writeFileSync(join(p.dir, name), text.replaceAll('__CANARY__', canary))
  for (const [file, content] of Object.entries(files)) writeFileSync(join(p.dir, file), content.replaceAll('__CANARY__', canary))
  return p.berth(['-c', name, 'deploy', 'production'])
}

const hostsConfig = (hostLines: string[]): string =>
  ['app: shop', `deployTo: ${p.target}`, 'environments:', '  production:', '    hosts:', ...hostLines.map((line) => `      - ${line}`)].join('\n')

describe('hosts and logins in berth.yml', () => {
  it.each<[string, RegExp]>([
    ['"-oProxyCommand=touch __CANARY__"', /bad.yml:6 environments\.production\.hosts\[0\]: expected a host name/],
    ['{ host: "-oProxyCommand=touch __CANARY__" }', /bad.yml:6 environments\.production\.hosts\[0\]\.host: expected a host name/],
    ['{ host: "web1;touch __CANARY__" }', /bad.yml:6 .*host: expected a host name/],
    ['{ host: "$(touch __CANARY__)" }', /bad.yml:6 .*host: expected a host name/],
    ['{ host: "web1\\u0007" }', /bad.yml:6 .*host: expected a host name/],
    ['{ host: web1, user: "-oProxyCommand=touch __CANARY__" }', /bad.yml:6 environments\.production\.hosts\[0\]\.user: expected a login name/],
    ['{ host: web1, user: "deploy;touch __CANARY__" }', /bad.yml:6 .*user: expected a login name/],
  ])('%s', async (host, message) => {
    expectCleanRefusal(await withConfig('bad.yml', hostsConfig([host])), message)
  })
})

describe('hosts and logins in an inventory', () => {
  const inventoryConfig = (spec: string): string => ['app: shop', `deployTo: ${p.target}`, `inventory: ${spec}`, 'environments:', '  production: {}'].join('\n')

  it.each<[string, Record<string, string>, RegExp]>([
    ['./hosts.ini', { 'hosts.ini': '[web]\n-oProxyCommand=touch__CANARY__\n' }, /inventory: \.\/hosts\.ini:2: "-oProxyCommand=touch.*canary" is not a host name/],
    ['./hosts.ini', { 'hosts.ini': '[web]\nweb1 ansible_host=-oProxyCommand=x\n' }, /\.\/hosts\.ini:2: ansible_host "-oProxyCommand=x" is not a host name/],
    ['./hosts.ini', { 'hosts.ini': '[web]\nweb1 ansible_user="-oProxyCommand=touch __CANARY__"\n' }, /\.\/hosts\.ini:2: ansible_user "-oProxyCommand=touch .*canary" is not a login name/],
    ['./hosts.json', { 'hosts.json': JSON.stringify({ web: { hosts: ['web1;touch __CANARY__'] } }) }, /inventory: \.\/hosts\.json: "web1;touch .*canary" is not a host name/],
    ['{ command: "echo \'{\'" }', {}, /inventory could not be read/],
    ['./bomb.yml', { 'bomb.yml': billionLaughs('web:\n  hosts:\n    web1: { x: *i }') }, /inventory could not be read: .*alias/i],
  ])('inventory: %s', async (spec, files, message) => {
    expectCleanRefusal(await withConfig('inv.yml', inventoryConfig(spec), files), message)
  })
})

/** Nine levels of nine aliases each: 9^9 strings once expanded. */
function billionLaughs(tail: string): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (const [i, name] of [...'bcdefghi'].entries()) lines.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)
  return `${lines.join('\n')}\n${tail}\n`
}

describe('YAML built to hurt the parser', () => {
  it.each<[string, string, RegExp]>([
    ['a billion laughs', `app: shop\n${billionLaughs('environments: { production: { hosts: [localhost] } }')}`, /bomb.yml:3 aliases expand to too much data/],
    ['deep nesting', `app: shop\nx: ${'['.repeat(20_000)}${']'.repeat(20_000)}\nenvironments: {}\n`, /bomb.yml:\d+ /],
    ['repeated keys', 'app: shop\nenvironments:\n  production: {}\n  production: {}\n', /bomb.yml:4 Map keys must be unique/],
    ['tabs for indentation', 'app: shop\nenvironments:\n\tproduction: {}\n', /bomb.yml:3 /],
    ['binary garbage', '\u0000\u0001\u00ff\ufffe%YAML 9.9\n---\n- !!binary x\n', /bomb.yml/],
    ['an unknown alias', 'app: *nowhere\nenvironments: {}\n', /bomb.yml:1 /],
  ])('%s', async (_name, text, message) => {
    expectCleanRefusal(await withConfig('bomb.yml', text), message)
  })
})

describe('refs that look like numbers', () => {
  it('deploy the ref typed, not the number it looks like', async () => {
    const tags = ['202612.10', '202612.1', '0777', '777']
    const shas = new Map(tags.map((tag) => [tag, p.commit({ 'index.html': `tag ${tag}` })]))
    for (const tag of tags) p.git('tag', tag, shas.get(tag)!)
    for (const tag of ['202612.10', '0777']) {
      const result = await p.berth(['deploy', 'production', '--ref', tag])
      expect(result.code, result.stderr).toBe(0)
      expect(p.read('current/index.html')).toBe(`tag ${tag}`)
      expect(p.record(p.live()!)).toMatchObject({ ref: tag, revision: shas.get(tag) })
    }
  })
})
