/**
 * `delivery.via: store` with the built CLI, real sshd hosts and a real S3-protocol server
 * on loopback that checks every signature (test/helpers/s3-server.ts): the hosts fetch
 * from it themselves (loopback is shared), so what crosses SSH and what reaches the store
 * are both measured outside berth: ssh's own byte counts, and the server's.
 */
import { createHash, randomBytes } from 'node:crypto'
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTrafficMeter } from '../../bench/traffic.js'
import { startFleet, type Fleet } from '../helpers/fleet.js'
import type { Project } from '../helpers/project.js'
import { startS3Server, type S3Server } from '../helpers/s3-server.js'
import { waitFor } from '../helpers/wait.js'
import { all, fleetProject, onHost, type HostView } from './fleet-project.js'

let fleet: Fleet
let s3: S3Server
const projects: Project[] = []
const NAMES = ['web1', 'web2', 'web3']
const restores: (() => void)[] = []

beforeAll(async () => {
  fleet = await startFleet({ hosts: 3 })
  s3 = await startS3Server({ baseDir: fleet.root })
})
afterEach(() => {
  for (const restore of restores.splice(0)) restore()
})
afterAll(async () => {
  for (const project of projects) project.cleanup()
  await s3?.stop()
  await fleet?.stop()
})

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

/** An app of `count` files of random text (nothing compresses it), 40 KB each, one executable and a symlink. */
function appFiles(count = 25): Record<string, string | { content: string; mode: number }> {
  const files: Record<string, string | { content: string; mode: number }> = {}
  for (let i = 0; i < count; i++) files[`lib/part ${i}.txt`] = randomBytes(30_000).toString('base64')
  files['bin/start'] = { content: '#!/bin/sh\necho start\n', mode: 0o755 }
  return files
}

/** `prefix`: where in the bucket (default: one of the app's own). */
function setup(app: string, options: { environment?: string[]; extra?: string[]; prefix?: string; hosts?: string[] } = {}): { project: Project; hosts: HostView[] } {
  const project = fleetProject(
    fleet,
    {
      app,
      environment: options.environment ?? [],
      ...(options.hosts === undefined ? {} : { hosts: options.hosts }),
      extra: [...(options.extra ?? []), 'delivery:', '  via: store', `  store: { url: 's3://${s3.bucket}/${options.prefix ?? `berth/${app}`}', endpoint: '${s3.endpoint}' }`],
    },
    appFiles(),
  )
  projects.push(project)
  return { project, hosts: NAMES.map((name) => onHost(fleet, name, app)) }
}

const berth = (project: Project, args: string[], env: NodeJS.ProcessEnv = {}) => project.berth(args, { env: { ...s3.env, ...env }, realClock: true })

/** Every blob in a host's blob store, checked against its name. */
function blobsOn(name: string, app: string): string[] {
  const dir = join(fleet.hostDir(name), app, '.berth', 'blobs')
  const blobs = readdirSync(dir).filter((file) => !file.startsWith('.'))
  for (const blob of blobs) expect(sha256(readFileSync(join(dir, blob))), `blob ${blob} on ${name}`).toBe(blob)
  return blobs
}

/**
 * Gives a host a PATH of everything in /usr/bin but `without` (first in its ~/.bashrc,
 * which bash reads for every ssh command), plus `extra` scripts; undone after the test.
 */
function hostPath(name: string, without: string[], extra: Record<string, string> = {}): void {
  const home = join(fleet.root, 'hosts', name, 'home')
  const bin = join(fleet.root, 'hosts', name, `bin-${restores.length}-${Date.now()}`)
  mkdirSync(bin)
  for (const tool of readdirSync('/usr/bin')) if (!without.includes(tool) && !(tool in extra)) symlinkSync(join('/usr/bin', tool), join(bin, tool))
  for (const [tool, text] of Object.entries(extra)) writeFileSync(join(bin, tool), text, { mode: 0o755 })
  const rc = join(home, '.bashrc')
  copyFileSync(rc, `${rc}.orig`)
  writeFileSync(rc, `PATH=${bin}\n${readFileSync(`${rc}.orig`, 'utf8')}`)
  restores.push(() => copyFileSync(`${rc}.orig`, rc))
}

describe('delivery.via: store', () => {
  it('cold deploy: the store gets the app once, SSH carries no file content, every host builds the release from checked blobs', async () => {
    const app = 'cold'
    const { project, hosts } = setup(app, { extra: ['hooks:', '  build:', '    - run: echo "written by a hook" >> "lib/part 1.txt"'] })
    const meter = createTrafficMeter(join(project.base, 'traffic'))
    const appBytes = readdirSync(join(project.dir, 'lib')).reduce((sum, file) => sum + statSync(join(project.dir, 'lib', file)).size, 0)
    const before = s3.bytesIn()
    const first = await berth(project, ['deploy', 'production', '-q'], meter.env)
    expect(first.code, all(first)).toBe(0)
    const stored = s3.bytesIn() - before
    // Once, not once per host; and over SSH only metadata, well below the app's size.
    expect(stored).toBeGreaterThanOrEqual(appBytes)
    expect(stored).toBeLessThan(appBytes * 1.2)
    expect(meter.sentBytes()).toBeGreaterThan(0)
    expect(meter.sentBytes()).toBeLessThan(appBytes / 4)
    const v1 = hosts[0]!.live()!
    for (const [i, host] of hosts.entries()) {
      expect(host.live()).toBe(v1)
      expect(host.read('current/lib/part 2.txt')).toBe(readFileSync(join(project.dir, 'lib', 'part 2.txt'), 'utf8'))
      expect(statSync(join(fleet.hostDir(NAMES[i]!), app, 'current', 'bin', 'start')).mode & 0o777).toBe(0o755)
      // The hook wrote into a release file: the blob it was copied from is intact.
      expect(host.read('current/lib/part 1.txt').endsWith('written by a hook\n')).toBe(true)
      expect(blobsOn(NAMES[i]!, app)).toContain(sha256(readFileSync(join(project.dir, 'lib', 'part 1.txt'))))
      expect(host.exists(`releases/.${v1}.delivery`)).toBe(false)
    }

    // One file changed: that blob alone goes to the store, and each host fetches it alone.
    project.commit({ 'lib/part 3.txt': 'changed\n' })
    const blobsBefore = blobsOn('web1', app).length
    const before2 = s3.bytesIn()
    const second = await berth(project, ['deploy', 'production', '-q'])
    expect(second.code, all(second)).toBe(0)
    expect(s3.bytesIn() - before2).toBe('changed\n'.length)
    const v2 = hosts[0]!.live()!
    expect(v2).not.toBe(v1)
    for (const [i, host] of hosts.entries()) {
      expect(host.read('current/lib/part 3.txt')).toBe('changed\n')
      // The hook ran again on the copy from the live release: the old release was not changed by it.
      expect(host.read(`releases/${v1}/lib/part 1.txt`).split('written by a hook').length).toBe(2)
      expect(blobsOn(NAMES[i]!, app).length).toBe(blobsBefore + 1)
      // Its blobs: the changed file, and the one the hook changed on the host (not trusted as delivered: fetched again, from the host's own blob store).
      expect(host.read(`.berth/releases/${v2}.blobs`).split('\n').filter(Boolean).sort()).toEqual([sha256('changed\n'), sha256(readFileSync(join(project.dir, 'lib', 'part 1.txt')))].sort())
    }
  })

  it('another project with the same files puts only what differs: the store has the rest already', async () => {
    const a = setup('share-a', { prefix: 'berth/shared' })
    const first = await berth(a.project, ['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    // Same contents in another repository (another commit, another cache on this machine).
    const b = setup('share-b', { prefix: 'berth/shared' })
    for (const file of readdirSync(join(a.project.dir, 'lib'))) writeFileSync(join(b.project.dir, 'lib', file), readFileSync(join(a.project.dir, 'lib', file)))
    b.project.commit({})
    const before = s3.bytesIn()
    const second = await berth(b.project, ['deploy', 'production', '--json'])
    expect(second.code, all(second)).toBe(0)
    // Only its berth.yml (another app name) is new.
    const config = statSync(join(b.project.dir, 'berth.yml')).size
    expect(s3.bytesIn() - before).toBe(config)
    const put = second.stdout.split('\n').find((line) => line.includes('"store:put"'))
    expect(JSON.parse(put!)).toMatchObject({ blobs: 1, bytes: config })
    expect(b.hosts[1]!.read('current/lib/part 4.txt')).toBe(readFileSync(join(a.project.dir, 'lib', 'part 4.txt'), 'utf8'))
  })

  it('many small files travel in packs: a few GETs per host instead of one per file, shared between projects', async () => {
    const many: Record<string, string> = {}
    for (let i = 0; i < 300; i++) many[`src/module ${i}.js`] = `export const n${i} = ${i}\n${randomBytes(600).toString('base64')}\n`
    const setupMany = (app: string) => {
      const made = setup(app, { prefix: 'berth/packs' })
      made.project.commit(many)
      return made
    }
    const { project, hosts } = setupMany('packs-a')
    const gets = s3.gets()
    const first = await berth(project, ['deploy', 'production', '--json'])
    expect(first.code, all(first)).toBe(0)
    const put = JSON.parse(first.stdout.split('\n').find((line) => line.includes('"store:put"'))!) as { blobs: number; packs: number; bytes: number }
    expect(put.packs).toBe(16)
    // 16 packs per host (the app's 40 KB files are small enough to travel in packs too).
    const perHost = (s3.gets() - gets) / hosts.length
    expect(perHost).toBeLessThanOrEqual(16 + 2)
    for (const host of hosts) {
      expect(host.read('current/src/module 7.js')).toBe(many['src/module 7.js'])
      expect(host.read('current/lib/part 2.txt')).toBe(readFileSync(join(project.dir, 'lib', 'part 2.txt'), 'utf8'))
    }
    for (const name of NAMES) blobsOn(name, 'packs-a')

    // Another project in the same prefix, with the same files but its own berth.yml: only
    // the packs the two berth.yml fall in are new (one, or two).
    const other = setupMany('packs-b')
    for (const file of readdirSync(join(project.dir, 'lib'))) writeFileSync(join(other.project.dir, 'lib', file), readFileSync(join(project.dir, 'lib', file)))
    other.project.commit({})
    const before = s3.bytesIn()
    const second = await berth(other.project, ['deploy', 'production', '--json'])
    expect(second.code, all(second)).toBe(0)
    const put2 = JSON.parse(second.stdout.split('\n').find((line) => line.includes('"store:put"'))!) as { blobs: number; packs: number; bytes: number }
    expect(put2.packs).toBeGreaterThanOrEqual(1)
    expect(put2.packs).toBeLessThanOrEqual(2)
    expect(s3.bytesIn() - before).toBe(put2.bytes)
    expect(put2.bytes).toBeLessThan(put.bytes / 4)
    expect(other.hosts[2]!.read('current/src/module 9.js')).toBe(many['src/module 9.js'])

    // A one-file redeploy: that blob alone, one GET per host.
    project.commit({ 'src/module 3.js': 'changed\n' })
    const gets3 = s3.gets()
    const third = await berth(project, ['deploy', 'production', '-q'])
    expect(third.code, all(third)).toBe(0)
    expect(s3.gets() - gets3).toBe(hosts.length)
    for (const host of hosts) expect(host.read('current/src/module 3.js')).toBe('changed\n')
  })

  it('promote puts nothing: the artifact staging runs is in the store already', async () => {
    const { project, hosts } = setup('train', { hosts: ['- { host: web2 }', '- { host: web3 }'], extra: ['  staging:', '    hosts: [{ host: web1 }]'] })
    const staged = await berth(project, ['deploy', 'staging', '-q'])
    expect(staged.code, all(staged)).toBe(0)
    const before = s3.bytesIn()
    const promoted = await berth(project, ['promote', 'staging', 'production', '--json'])
    expect(promoted.code, all(promoted)).toBe(0)
    expect(s3.bytesIn() - before).toBe(0)
    const put = JSON.parse(promoted.stdout.split('\n').find((line) => line.includes('"store:put"'))!) as { blobs: number; bytes: number; present: number }
    expect(put).toMatchObject({ blobs: 0, bytes: 0 })
    expect(put.present).toBeGreaterThan(25) // every file of the app, known to be there
    expect(hosts[2]!.live()).toBe(hosts[0]!.live())
    expect(hosts[2]!.read('current/lib/part 7.txt')).toBe(readFileSync(join(project.dir, 'lib', 'part 7.txt'), 'utf8'))
  })

  it('refuses a blob tampered in the store: the deploy fails cleanly and current does not move', async () => {
    const { project, hosts } = setup('tamper')
    const first = await berth(project, ['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const v1 = hosts[0]!.live()
    // Someone with write access to the bucket replaces the blob the next release needs.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3')
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY! } })
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `berth/tamper/blobs/sha256/${sha256('v2\n')}`, Body: 'evil\n' }))
    client.destroy()
    project.commit({ 'index.html': 'v2\n' })
    const second = await berth(project, ['deploy', 'production'])
    expect(second.code).not.toBe(0)
    expect(all(second)).toContain(`blob ${sha256('v2\n')} from the store does not match its sha256`)
    for (const host of hosts) {
      expect(host.live()).toBe(v1)
      expect(host.read('current/index.html')).toBe('<h1>v1</h1>\n')
      expect(host.locked()).toBe(false)
    }
    for (const name of NAMES) expect(blobsOn(name, 'tamper')).not.toContain(sha256('v2\n'))
  })

  it('a host without curl uses wget; a host with neither fails with a clear message, and check says so', async () => {
    const { project, hosts } = setup('tools')
    hostPath('web2', ['curl'])
    hostPath('web3', ['curl', 'wget'])
    const check = await berth(project, ['check', 'production'])
    expect(check.code).toBe(1)
    expect(check.stdout).toMatch(/web3[\s\S]*neither curl nor wget is installed: delivery.via store fetches blobs with one/)
    // Credentials the store refuses: check says so from this machine, without showing them.
    const refused = await berth(project, ['check', 'production'], { AWS_SECRET_ACCESS_KEY: 'not-the-secret-1234' })
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/web1[\s\S]*this machine cannot use the store: .*SignatureDoesNotMatch/)
    expect(all(refused)).not.toContain('not-the-secret-1234')
    const failed = await berth(project, ['deploy', 'production'])
    expect(failed.code).not.toBe(0)
    expect(all(failed)).toContain('neither curl nor wget is installed: delivery.via store fetches blobs with one of them')
    expect(hosts.map((host) => host.live())).toEqual([null, null, null])
    restores.pop()!()
    const deployed = await berth(project, ['deploy', 'production', '-q'])
    expect(deployed.code, all(deployed)).toBe(0)
    expect(hosts[1]!.read('current/lib/part 0.txt')).toBe(readFileSync(join(project.dir, 'lib', 'part 0.txt'), 'utf8'))
    blobsOn('web2', 'tools')
  })

  it('Ctrl-C during a long fetch from the store stops the deploy at once: lock freed, old release live, no URL left', async () => {
    const { project, hosts } = setup('interrupt-fetch')
    const first = await berth(project, ['deploy', 'production', '-q'])
    expect(first.code, all(first)).toBe(0)
    const v1 = hosts[0]!.live()
    // web2's curl takes its time (a slow store, a big blob).
    const started = join(fleet.root, 'slow-curl-started')
    hostPath('web2', [], { curl: `#!/bin/sh\ncase "$*" in *--version*) ;; *) touch ${started}; sleep 30 ;; esac\nexec /usr/bin/curl "$@"\n` })
    project.commit({ 'big.bin': randomBytes(2 * 1024 * 1024).toString('base64') })
    const child = project.spawnBerth(['deploy', 'production', '-q'], s3.env, { realClock: true })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await waitFor(() => existsSync(started), 30_000, "web2's fetch to start")
    const interrupted = performance.now()
    child.kill('SIGINT')
    expect(await exited, output).toBe(130)
    expect(performance.now() - interrupted).toBeLessThan(15_000)
    for (const host of hosts) {
      expect(host.live()).toBe(v1)
      expect(host.locked()).toBe(false)
      expect(host.releases().filter((id) => id.endsWith('.delivery'))).toEqual([])
    }
  })

  it('prunes blobs with the releases that used them', async () => {
    const { project, hosts } = setup('prune', { environment: ['keepReleases: 2'] })
    const deploy = async (): Promise<void> => {
      const result = await berth(project, ['deploy', 'production', '-q'])
      expect(result.code, all(result)).toBe(0)
    }
    await deploy()
    const v1Only = sha256(readFileSync(join(project.dir, 'lib', 'part 5.txt')))
    project.commit({ 'lib/part 5.txt': 'second\n' })
    await deploy()
    project.commit({ 'lib/part 6.txt': 'third\n' })
    await deploy()
    expect(hosts[0]!.releases().filter((id) => !id.startsWith('.'))).toHaveLength(2)
    for (const name of NAMES) {
      const blobs = blobsOn(name, 'prune')
      expect(blobs).not.toContain(v1Only)
      expect(blobs.sort()).toEqual([sha256('second\n'), sha256('third\n')].sort())
    }
  })

  it('shows no presigned URL or credential in its output, --json, host argv, history or records', async () => {
    const { project } = setup('secrets')
    // web1's curl logs its command line before it runs.
    const argvLog = join(fleet.root, 'curl-argv.log')
    hostPath('web1', [], { curl: `#!/bin/sh\nprintf '%s\\n' "$*" >> ${argvLog}\nexec /usr/bin/curl "$@"\n` })
    const plan = await berth(project, ['deploy', 'production', '--plan'])
    expect(plan.stdout).toContain('<presigned URLs>')
    const outputs = [plan, await berth(project, ['deploy', 'production', '--verbose']), await berth(project, ['deploy', 'production', '--json'])]
    expect(outputs[1]!.stdout).toMatch(/store: \d+ new blobs put \(.*\)/)
    project.commit({ 'index.html': 'again\n' })
    outputs.push(await berth(project, ['deploy', 'production', '--json', '--verbose']))
    for (const output of outputs) {
      for (const secret of ['X-Amz-Signature', 'X-Amz-Credential', s3.env.AWS_SECRET_ACCESS_KEY!, '/blobs/sha256/']) expect(all(output)).not.toContain(secret)
    }
    expect(readFileSync(argvLog, 'utf8')).toContain('-K')
    expect(readFileSync(argvLog, 'utf8')).not.toMatch(/X-Amz|http:/)
    for (const name of NAMES) {
      const berthDir = join(fleet.hostDir(name), 'secrets', '.berth')
      for (const file of readdirSync(berthDir, { recursive: true, encoding: 'utf8' })) {
        if (file.startsWith('blobs')) continue
        const path = join(berthDir, file)
        if (statSync(path).isFile()) expect(readFileSync(path, 'utf8'), file).not.toMatch(/X-Amz|S3RVER/)
      }
      appendFileSync(join(fleet.root, 'checked'), `${name}\n`)
    }
  })
})
