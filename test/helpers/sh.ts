/**
 * Running host scripts under this machine's `sh`, in a throwaway directory whose name is
 * as hostile as a deploy path can get, to prove that berth's builders (`src/remote/`)
 * keep every value inert.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { layoutFor, type Layout } from '../../src/release/layout.js'

export interface ShResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs `script` with `/bin/sh -c` (found without PATH) in `cwd` (where a `touch pwned` payload would land). */
export function sh(script: string, options: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): ShResult {
  const result = spawnSync('/bin/sh', ['-c', script], { cwd: options.cwd, input: options.input, env: options.env ?? process.env, encoding: 'utf8' })
  if (result.error) throw result.error
  return { code: result.status ?? 128, stdout: result.stdout, stderr: result.stderr }
}

/**
 * A directory name with everything a shell would act on: a quote, `$(...)` and backticks
 * that would create `pwned` files, a newline, a glob, `;`, `|`, `&`, a `~` and a leading
 * `-` on its last component.
 */
export const HOSTILE_NAME = "-it's \"a\" $(touch pwned1) `touch pwned2` *[x]?\nnext;|&~ dir"

/** Values (ids, refs, user names, messages) no builder may let the shell act on. */
export const HOSTILE_VALUES = [
  "it's",
  '$(touch pwned3)',
  '`touch pwned4`',
  'x;touch pwned5',
  'a b  c',
  '"double"',
  'new\nline',
  '*',
  '-n',
  '--output=pwned6',
  '$HOME',
  '&& touch pwned7',
  '|touch pwned8',
  '\\',
  '',
]

export interface Sandbox {
  /** A fresh temp directory: run scripts here, and nothing may appear but what they create. */
  base: string
  /** A deployTo inside it with a hostile name (not yet created). */
  deployTo: string
  /** Every `pwned*` file under `base` (there must be none). */
  pwned(): string[]
  cleanup(): void
}

export function createSandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'berth-remote-'))
  const parent = join(base, HOSTILE_NAME)
  mkdirSync(parent)
  return {
    base,
    deployTo: join(parent, `srv ${HOSTILE_NAME}`),
    pwned: () => readdirSync(base, { recursive: true, encoding: 'utf8' }).filter((path) => /^pwned\d*$/.test(path.split('/').pop() ?? '')),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  }
}

/** A host under a hostile path for one test: its layout and a runner for scripts there, removed when the test ends. */
export function hostileHost(): { box: Sandbox; layout: Layout; run: (script: string, input?: Buffer) => ShResult } {
  const box = createSandbox()
  onTestFinished(() => box.cleanup())
  return { box, layout: layoutFor(box.deployTo), run: (script, input) => sh(script, { cwd: box.base, ...(input ? { input } : {}) }) }
}
