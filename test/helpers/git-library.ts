/** A separate git repository for tests that need a submodule, and git run with a test identity. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const gitIn = (dir: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'protocol.file.allow=always', ...args], { cwd: dir, encoding: 'utf8' }).trim()

/** A repository holding `files`, committed; its directory is added to `made` for the test to remove. */
export function library(files: Record<string, string>, made: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-lib-'))
  made.push(dir)
  gitIn(dir, 'init', '-q', '-b', 'main')
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  gitIn(dir, 'add', '-A')
  gitIn(dir, 'commit', '-q', '-m', 'lib')
  return dir
}
