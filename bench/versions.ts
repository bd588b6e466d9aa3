/**
 * What exactly was measured, for the report's list of tools: a command's version line, and
 * which commit of berth a checkout holds (with a warning when its sources differ from it).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The first line a command prints, or `FILE: not found` when it cannot be run. */
export function tryVersion(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n')[0]!
  } catch {
    return `${file}: not found`
  }
}

/** `0.1.0 (commit abc1234)`: the package version and the checkout's commit. */
export function berthVersion(dir: string): string {
  const sha = tryVersion('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'])
  return `${packageVersion(dir)} (commit ${sha}${dirtyNote(dir)})`
}

/** `0.1.0 (commit abc1234 "its subject")`: for a baseline, whose subject says which change it is. */
export function baselineVersion(dir: string): string {
  const sha = tryVersion('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'])
  if (sha === 'git: not found') return `${packageVersion(dir)} (not a git checkout: commit unknown)`
  const subject = tryVersion('git', ['-C', dir, 'log', '-1', '--format=%s'])
  return `${packageVersion(dir)} (commit ${sha} "${subject}"${dirtyNote(dir)})`
}

function packageVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown version'
  }
}

/** The built CLI may then hold code no commit has. */
function dirtyNote(dir: string): string {
  return tryVersion('git', ['-C', dir, 'status', '--porcelain', '--', 'src']) === '' ? '' : ', src/ has uncommitted changes'
}
