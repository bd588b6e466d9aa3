#!/usr/bin/env node
// `npm test`: makes sure this machine has what the tests use (git, OpenSSH client and
// server, tar, unshare, nginx, Chromium), lints (scripts/lint.mjs), builds the CLI the end-to-end tests run,
// type-checks, and runs the whole suite: the unit, e2e and ssh projects of vitest.config.ts,
// then a two-minute `npm run torture`.
// On a fresh Debian machine as root it installs the missing packages; anywhere else it
// stops and says what to install. It never skips tests silently.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const step = (message) => process.stdout.write(`\n== ${message}\n`)
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0

const needs = [
  { check: () => has('git'), pkg: 'git' },
  { check: () => has('ssh') && has('ssh-keygen'), pkg: 'openssh-client' },
  { check: () => existsSync('/usr/sbin/sshd'), pkg: 'openssh-server' },
  { check: () => has('tar'), pkg: 'tar' },
  { check: () => has('unshare'), pkg: 'util-linux' },
  // `script` gives the CLI a terminal in the live-view tests (test/e2e/hook-output.test.ts).
  { check: () => has('script'), pkg: 'bsdutils' },
  { check: () => has('sudo'), pkg: 'sudo' },
  // A real web server in front of a deployed app serves the maintenance page as 503
  // (test/e2e/maintenance-nginx.test.ts); Debian's package starts nothing by itself.
  { check: () => existsSync('/usr/sbin/nginx'), pkg: 'nginx' },
  // delivery.via: store hosts fetch blobs with curl, or wget without it (test/ssh/store.test.ts).
  { check: () => has('curl'), pkg: 'curl' },
  { check: () => has('wget'), pkg: 'wget' },
  // The web page's test drives Debian's Chromium with playwright-core (test/ssh/ui.test.ts).
  { check: () => existsSync('/usr/bin/chromium'), pkg: 'chromium' },
]
const missing = needs.filter((n) => !n.check()).map((n) => n.pkg)
if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0
  if (isRoot && has('apt-get')) {
    step(`installing ${missing.join(', ')} (apt-get)`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env })
  } else {
    console.error(`berth's tests need: ${missing.join(', ')}. Install them (e.g. sudo apt-get install ${missing.join(' ')}) and run npm test again.`)
    process.exit(1)
  }
}

const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}
if (['vitest', 'oxlint', 'knip'].some((tool) => !existsSync(join(root, 'node_modules', '.bin', tool)))) {
  step('installing dependencies (npm ci)')
  run('npm', ['ci', '--no-audit', '--no-fund'])
}
// Lint first, as it takes seconds; a finding fails the run at the end, after the tests have
// still said what they have to say.
step('lint')
const isLintClean = spawnSync(process.execPath, [join(root, 'scripts', 'lint.mjs')], { cwd: root, stdio: 'inherit' }).status === 0
step('build')
run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'])
// The CLI the end-to-end tests run is the bundle: rebuilt here, or they would test stale code.
run(process.execPath, [join(root, 'scripts', 'bundle.mjs')])
step('typecheck')
run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'])

step('tests')
const out = mkdtempSync(join(tmpdir(), 'berth-vitest-'))
const report = join(out, 'report.json')
const tests = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
})
let summary = null
/** The suite's count, said again as the last line once the torture has printed its own. */
let closing = null
try {
  summary = JSON.parse(readFileSync(report, 'utf8'))
} catch {
  // vitest died before writing its report: its exit code speaks.
}
rmSync(out, { recursive: true, force: true })
if (summary) {
  const skipped = summary.numPendingTests + summary.numTodoTests
  closing = `tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`
  console.log(`\n${closing}`)
  if (summary.numTotalTests === 0) {
    console.error('no test ran')
    process.exit(1)
  }
}
// The short torture (docs/reliability.md): two minutes of real deploys and rollbacks on a
// loopback fleet, damaged at random (signals, closed output, a killed sshd, a full disk,
// racing deployers); any broken invariant fails the run. With the whole suite only (no
// arguments), once it passed: a failing test says more than a torture on top of it.
if (tests.status === 0 && process.argv.length === 2) {
  step('torture (about 2 minutes; docs/reliability.md)')
  const torture = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'torture.ts'), '--minutes', '2'], { cwd: root, stdio: 'inherit' })
  if (torture.status !== 0) {
    console.error('the torture found a broken invariant (its counts and a replay command are above)')
    process.exit(torture.status ?? 1)
  }
  if (closing !== null) console.log(`\n${closing}`)
}
if (!isLintClean) {
  console.error('lint failed (see the lint step above)')
  process.exit(1)
}
process.exit(tests.status ?? 1)
