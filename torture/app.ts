/**
 * The app the torture deploys: a few tracked files hooks write into, a blob that makes the
 * upload take a moment, and one hook script whose behaviour for a release is set by the
 * `torture/plan` file committed with it (so a rollback to that release runs its hooks the
 * way its deploy did). Every hook writes first and sleeps after, so a signal lands in the
 * sleep and a killed run's orphaned hook has nothing left to write.
 */
import type { Random } from './random.js'

export const APP = 'torture'
const DEPLOY_TO = `/srv/${APP}`
/** Files put in `shared/` before the first deploy: none may ever be lost or changed. */
export const SENTINELS = { 'config/app.env': 'SECRET_KEY=do-not-lose-me\n', 'log/sentinel.txt': 'kept across every release\n' }

export type Write = 'none' | 'append' | 'truncate' | 'chmod' | 'rewrite'
type FailStep = 'none' | 'build' | 'migrate' | 'restart'

export interface Plan {
  /** Seconds every hook sleeps (after its writes). */
  sleep: number
  write: Write
  failStep: FailStep
  /** `all`, or one host's name. */
  failHost: string
  /** The host whose build hook fills its disk (and then succeeds), or `none`. */
  fillHost: string
}

const VENDOR_FILES = 300

export const CALM: Plan = { sleep: 0.1, write: 'none', failStep: 'none', failHost: 'all', fillHost: 'none' }

export function randomPlan(random: Random, hosts: readonly string[]): Plan {
  return {
    sleep: random.pick([0.05, 0.1, 0.2, 0.4]),
    write: random.weighted<Write>([['none', 3], ['append', 2], ['truncate', 2], ['chmod', 2], ['rewrite', 2]]),
    failStep: random.weighted<FailStep>([['none', 6], ['build', 1], ['migrate', 1], ['restart', 1]]),
    failHost: random.chance(0.5) ? 'all' : random.pick(hosts),
    fillHost: 'none',
  }
}

/** The tracked files a release's own build hook changes (by its plan): every other file must be as committed. */
export const WRITTEN: Record<Write, readonly string[]> = { none: [], append: ['index.html'], truncate: ['app.js'], chmod: [], rewrite: ['lib/data.txt'] }

function planFile(plan: Plan): string {
  return [`SLEEP=${plan.sleep}`, `WRITE=${plan.write}`, `FAIL_STEP=${plan.failStep}`, `FAIL_HOST=${plan.failHost}`, `FILL_HOST=${plan.fillHost}`, ''].join('\n')
}

const HOOK = `#!/bin/sh
# The torture's hooks: $1 is the step. What they do is in torture/plan, committed with the release.
step=$1
cd "$BERTH_RELEASE_PATH" || exit 1
. ./torture/plan
echo "$BERTH_RELEASE $step $BERTH_HOST" >> "$BERTH_DEPLOY_TO/shared/log/hooks.log" 2>/dev/null
if [ "$step" = build ]; then
  case $WRITE in
    append) echo "built $BERTH_RELEASE" >> index.html ;;
    truncate) : > app.js ;;
    chmod) chmod 600 lib/data.txt ;;
    rewrite) printf 'rewritten by a hook\\n' > lib/data.txt ;;
  esac
  if [ "$BERTH_HOST" = "$FILL_HOST" ]; then dd if=/dev/zero of="$BERTH_DEPLOY_TO/ballast" bs=64k 2>/dev/null || true; fi
fi
sleep "$SLEEP"
if [ "$step" = "$FAIL_STEP" ] && { [ "$FAIL_HOST" = all ] || [ "$FAIL_HOST" = "$BERTH_HOST" ]; }; then
  echo "torture: $step fails on $BERTH_HOST" >&2
  exit 1
fi
`

export function berthYml(hosts: readonly string[], sshConfigFile: string): string {
  return [
    `app: ${APP}`,
    `deployTo: ${DEPLOY_TO}`,
    'keepReleases: 4',
    `ssh: { config: ${sshConfigFile} }`,
    'shared:',
    '  files: [config/app.env]',
    '  dirs: [log]',
    'hooks:',
    '  build:',
    '    - run: sh torture/hook.sh build',
    '  migrate:',
    '    - run: sh torture/hook.sh migrate',
    '      roles: [app]',
    '      once: true',
    '  restart:',
    '    - run: sh torture/hook.sh restart',
    'environments:',
    '  production:',
    '    hosts:',
    ...hosts.map((name, i) => `      - { host: ${name}, roles: [app]${i === 0 ? ', primary: true' : ''} }`),
    '',
  ].join('\n')
}

/** The app's files at a revision: `n` makes every revision differ; `blobBytes` sets the upload's size. */
export function appFiles(random: Random, n: number, plan: Plan, blobBytes: number): Record<string, string | { content: string; mode: number }> {
  return {
    'index.html': `<h1>revision ${n}</h1>\n`,
    // The same in every revision: a hook's write into one of these in an older release
    // must never travel on to a newer one as "unchanged".
    'app.js': 'console.log("app")\n',
    'lib/data.txt': 'data\n',
    'lib/blob.b64': random.bytes(blobBytes).toString('base64'),
    'torture/hook.sh': { content: HOOK, mode: 0o755 },
    // Unchanged in every revision (copied from the live release on the host each time), and
    // enough files that removing an old release takes a moment a signal can land in.
    ...Object.fromEntries(Array.from({ length: VENDOR_FILES }, (_, i) => [`vendor/lib${i}.js`, `module.exports = ${i}\n`])),
    'torture/plan': planFile(plan),
  }
}
