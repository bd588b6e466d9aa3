/**
 * The maintenance page in front of a real web server: Debian's nginx serves the deployed
 * app (`current/public`) with the lines the README gives, so the page answers 503 while it
 * exists. Seen from nginx: 200 before a deploy, the 503 page while its `migrate` hook runs,
 * 200 again after success, and the page gone after a failed verify and after Ctrl-C; by
 * hand, `berth maintenance on/off`, a template from the repository, and a page put up by
 * hand that a deploy leaves up.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNginx, type Nginx } from '../helpers/nginx.js'
import { createProject, localConfig, type Project } from '../helpers/project.js'
import { waitFor } from '../helpers/wait.js'

const hooks = [
  'hooks:',
  '  migrate:',
  // Holds the deploy in its migrations until the test has looked at nginx.
  '    - run: if [ -n "$HOLD" ]; then touch __BASE__/migrating; while [ ! -e __BASE__/go ]; do sleep 0.05; done; rm -f __BASE__/go __BASE__/migrating; fi',
  '  verify:',
  '    - run: test -z "$FAIL_VERIFY"',
].join('\n')

/** The README's nginx lines ("Maintenance page"), with this project's paths. */
const serverLines = (target: string): string =>
  [
    `root ${target}/current/public;`,
    'error_page 503 @maintenance;',
    'location / {',
    `  if (-f ${target}/shared/public/maintenance.html) { return 503; }`,
    '  try_files $uri $uri/index.html =404;',
    '}',
    'location @maintenance {',
    `  root ${target}/shared/public;`,
    '  rewrite ^ /maintenance.html break;',
    '  add_header Retry-After 120 always;',
    '}',
  ].join('\n')

let p: Project
let nginx: Nginx | undefined

beforeAll(async () => {
  p = createProject(localConfig(hooks), { 'public/index.html': 'app v1\n' })
  const first = await p.berth(['deploy', 'production'])
  expect(first.code, first.stdout + first.stderr).toBe(0)
  nginx = await startNginx(join(p.base, 'nginx'), serverLines(p.target))
}, 60_000)

afterAll(async () => {
  // Always: the nginx this file started, by its own pid.
  await nginx?.stop()
  p?.cleanup()
})

const page = (): string => join(p.target, 'shared', 'public', 'maintenance.html')

/** Starts `deploy --maintenance` held in its migrations; resolves once nginx can be looked at. */
async function heldDeploy(env: NodeJS.ProcessEnv = {}) {
  const child = p.spawnBerth(['deploy', 'production', '--maintenance'], { HOLD: '1', ...env })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  await waitFor(() => existsSync(join(p.base, 'migrating')), 20_000, 'the migrate hook to start')
  return { child, exited, output: () => output, release: () => writeFileSync(join(p.base, 'go'), '') }
}

describe('the maintenance page behind nginx', () => {
  it('is served with 503 while the migrations run, and gone once the deploy went through', async () => {
    expect(await nginx!.get('/')).toMatchObject({ status: 200, body: 'app v1\n' })
    p.commit({ 'public/index.html': 'app v2\n' })

    const run = await heldDeploy()
    const during = await nginx!.get('/')
    expect(during.status).toBe(503)
    expect(during.body).toContain('<h1>Down for maintenance</h1>')
    expect(during.retryAfter).toBe('120')
    // Every path, not only the front page.
    expect((await nginx!.get('/some/page')).status).toBe(503)
    // The old release is still the one live behind the page.
    expect(p.read('current/public/index.html')).toBe('app v1\n')

    run.release()
    expect(await run.exited, run.output()).toBe(0)
    expect(existsSync(page())).toBe(false)
    expect(await nginx!.get('/')).toMatchObject({ status: 200, body: 'app v2\n' })
  })

  it('is taken down after a failed verify, with the old release serving again', async () => {
    p.commit({ 'public/index.html': 'app v3\n' })
    const run = await heldDeploy({ FAIL_VERIFY: '1' })
    expect((await nginx!.get('/')).status).toBe(503)
    run.release()
    expect(await run.exited, run.output()).toBe(1)
    expect(existsSync(page())).toBe(false)
    expect(await nginx!.get('/')).toMatchObject({ status: 200, body: 'app v2\n' })
  })

  it('is taken down after Ctrl-C, with the old release serving again', async () => {
    p.commit({ 'public/index.html': 'app v4\n' })
    const run = await heldDeploy()
    expect((await nginx!.get('/')).status).toBe(503)
    run.child.kill('SIGINT')
    expect(await run.exited, run.output()).toBe(130)
    rmSync(join(p.base, 'migrating'), { force: true })
    expect(existsSync(page())).toBe(false)
    expect(existsSync(join(p.target, '.berth', 'lock'))).toBe(false)
    expect(await nginx!.get('/')).toMatchObject({ status: 200, body: 'app v2\n' })
  })

  it('goes up and down by hand, from the repository template with the message escaped, and a deploy leaves it up', async () => {
    const config = localConfig(`${hooks}\nmaintenance:\n  template: deploy/maintenance.html`)
    p.commit({ 'berth.yml': config, 'deploy/maintenance.html': '<h1>Closed</h1><p>{message}</p><p>since {since}</p>\n', 'public/index.html': 'app v5\n' })

    const on = await p.berth(['maintenance', 'production', 'on', '--message', '<script>alert(1)</script> back at 5'])
    expect(on.code, on.stdout + on.stderr).toBe(0)
    const shown = await nginx!.get('/')
    expect(shown.status).toBe(503)
    expect(shown.body).toMatch(/^<h1>Closed<\/h1><p>&lt;script&gt;alert\(1\)&lt;\/script&gt; back at 5<\/p><p>since \d{4}-\d\d-\d\d \d\d:\d\d UTC<\/p>\n$/)

    // A deploy does not take down a page an operator put up.
    const deploy = await p.berth(['deploy', 'production', '--maintenance'])
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0)
    expect(deploy.stdout + deploy.stderr).toMatch(/maintenance page already up by hand: .* stays as it is, and up after this deploy/)
    expect((await nginx!.get('/')).status).toBe(503)

    const off = await p.berth(['maintenance', 'production', 'off'])
    expect(off.code, off.stdout + off.stderr).toBe(0)
    expect(await nginx!.get('/')).toMatchObject({ status: 200, body: 'app v5\n' })
  })
})
