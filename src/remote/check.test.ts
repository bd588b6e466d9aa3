import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, sh, type Sandbox } from '../../test/helpers/sh.js'
import { checkScript } from './check.js'

let box: Sandbox | undefined
const bins: string[] = []
afterEach(() => {
  box?.cleanup()
  for (const dir of bins.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A PATH holding only these tools (linked from this machine's). */
function pathWith(tools: string[]): string {
  const bin = mkdtempSync(join(tmpdir(), 'berth-check-'))
  bins.push(bin)
  for (const tool of tools) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool))
  return bin
}

describe('the check script', () => {
  it('asks for each tool, for curl or wget as one, and about deployTo', () => {
    expect(checkScript("/srv/it's", ['sh', 'git', 'curl|wget'])).toBe(
      [
        `for c in sh git; do if command -v "$c" >/dev/null 2>&1; then echo "@have $c"; else echo "@missing $c"; fi; done`,
        `if command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1; then echo '@have curl|wget'; else echo '@missing curl|wget'; fi`,
        `d='/srv/it'\\''s'; while [ ! -e "$d" ]; do d=$(dirname "$d"); done`,
        `if [ -w "$d" ]; then echo "@writable $d"; else echo "@not-writable $d"; fi`,
        `df -Pk "$d" 2>/dev/null | awk 'NR==2 {print "@free " $4}'`,
        'exit 0',
      ].join('\n'),
    )
    expect(checkScript('/srv', ['sh'])).not.toContain('curl')
  })

  it('reports what is there and what is missing, under a hostile deployTo', () => {
    box = createSandbox()
    mkdirSync(join(box.deployTo, '..'), { recursive: true })
    const bin = pathWith(['sh', 'dirname', 'df', 'awk', 'wget'])
    const out = sh(checkScript(join(box.deployTo, 'not yet'), ['sh', 'tar', 'curl|wget']), { cwd: box.base, env: { PATH: bin } })
    // The closest directory that exists, printed whole (its name holds a newline).
    expect(out.stdout).toMatch(/^@have sh\n@missing tar\n@have curl\|wget\n@writable (.*)\n@free \d+\n$/s)
    expect(out.stdout).toContain(`@writable ${join(box.deployTo, '..')}\n@free `)
    expect(out.code).toBe(0)
    expect(sh(checkScript('/tmp', ['curl|wget']), { env: { PATH: pathWith(['sh', 'dirname', 'df', 'awk']) } }).stdout).toContain('@missing curl|wget\n')
    expect(box.pwned()).toEqual([])
  })
})
