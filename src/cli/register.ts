/**
 * The command table: names, arguments and flags. Each action loads its command file only
 * when that command runs, so `berth --help` and small commands start fast.
 */
import type { CAC } from 'cac'
import type { Flags } from './flags.js'
import type { CliIO } from './session.js'

/** A command file's entry point: its arguments and flags as typed, already checked. */
type Handler = (args: string[], flags: Flags, io: CliIO) => Promise<number>
export type CommandLoader = () => Promise<{ run: Handler }>

/**
 * `start` is called once cac has matched a command and checked its options. The
 * arguments and flag values cac parsed are not passed on: it turns numeric-looking
 * words into numbers, so the caller reads them from argv as typed (see `raw-argv.ts`).
 */
export function registerCommands(cli: CAC, start: (load: CommandLoader) => void): void {
  const lazy = (load: CommandLoader) => (): void => start(load)
  const selection = (c: ReturnType<CAC['command']>) =>
    c.option('--roles <roles>', 'only hosts with one of these roles (comma-separated)').option('--hosts <hosts>', 'only these hosts (comma-separated)')

  cli
    .option('-c, --config <file>', 'config file (default: berth.yml in this directory or a parent)')
    .option('--json', 'newline-delimited JSON events on stdout')
    .option('-v, --verbose', 'show host output and error causes')
    .option('-q, --quiet', 'only warnings, failures and the summary')
    .option('--concurrency <n>', 'hosts worked at once (default 10)')
    .option('--no-color', 'no colours (also NO_COLOR)')

  cli.command('init', 'write a commented starter berth.yml here').option('--force', 'overwrite an existing berth.yml').action(lazy(() => import('./commands/init.js')))
  selection(cli.command('check <env>', 'validate the config and check every host')).action(lazy(() => import('./commands/check.js')))
  selection(cli.command('setup <env>', 'create the layout on every host and run the setup hooks')).action(lazy(() => import('./commands/setup.js')))
  selection(cli.command('deploy <env>', 'deploy a release'))
    .option('--ref <ref>', 'branch, tag or sha to deploy (default: the config\'s branch)')
    .option('--resume', 'continue the last failed deploy: same release, each host from where it stopped')
    .option('--plan', 'print what would run on which host; change nothing')
    .option('--dry-run', 'the same as --plan')
    .option('--lock-wait <duration>', 'wait this long for a held lock (e.g. 5m)')
    .option('--maintenance', 'put the maintenance page up before migrate, take it down after verify')
    .action(lazy(() => import('./commands/deploy.js')))
  selection(cli.command('promote <from> <to>', 'deploy to TO the exact release live on FROM (no build, no git)'))
    .option('--release <id>', 'the release to promote (default: the one live on every FROM host)')
    .option('--plan', 'print what would run on which host; change nothing')
    .option('--dry-run', 'the same as --plan')
    .option('--lock-wait <duration>', 'wait this long for a held lock (e.g. 5m)')
    .action(lazy(() => import('./commands/promote.js')))
  cli.command('cache [action]', "show this machine's cache (artifacts, sizes); `cache clear` empties it").action(lazy(() => import('./commands/cache.js')))
  selection(cli.command('rollback <env>', 'switch back to the previous (or the named) release'))
    .option('--to <release>', 'the release to switch to')
    .option('--lock-wait <duration>', 'wait this long for a held lock')
    .action(lazy(() => import('./commands/rollback.js')))
  selection(cli.command('releases <env>', 'list releases per host')).action(lazy(() => import('./commands/releases.js')))
  selection(cli.command('status <env>', 'current release, lock and last deploy per host')).action(lazy(() => import('./commands/status.js')))
  selection(cli.command('history <env>', 'past deploys and rollbacks'))
    .option('--limit <n>', 'how many (default 20)')
    .action(lazy(() => import('./commands/history.js')))
  selection(cli.command('run <env> [...command]', 'run a command on the selected hosts (after --)')).action(lazy(() => import('./commands/run.js')))
  cli.command('config <env>', 'print the resolved config of an environment (secrets masked)').action(lazy(() => import('./commands/config.js')))
  selection(cli.command('lock <env>', 'hold the deploy lock'))
    .option('--reason <text>', 'why (shown to whoever is refused)')
    .action(lazy(() => import('./commands/lock.js')))
  selection(cli.command('maintenance <env> <on|off>', 'put the maintenance page up (on) or take it down (off)'))
    .option('--message <text>', 'what the page says (on)')
    .action(lazy(() => import('./commands/maintenance.js')))
  selection(cli.command('unlock <env>', 'free the deploy lock'))
    .option('--force', 'also free a lock held by a deploy (recorded in history)')
    .action(lazy(() => import('./commands/unlock.js')))
  selection(cli.command('ui <env>', 'the fleet in a local web page: state, history, deploy and rollback'))
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .action(lazy(() => import('./commands/ui.js')))
}
