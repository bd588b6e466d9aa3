import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkScript } from '../remote/check.js'
import { parseCheck } from './check.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Runs the check script with a PATH holding only the given tools (resolved from this machine's). */
function runWith(tools: string[], script: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'berth-check-'))
  dirs.push(bin)
  for (const tool of tools) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool))
  return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', env: { PATH: bin } })
}

describe('check', () => {
  const base = ['sh', 'dirname', 'df', 'awk']

  it('asks for curl or wget only when told to, and is happy with either', () => {
    expect(parseCheck(runWith(base, checkScript('/tmp', ['sh'])), '/tmp').problems).toEqual([])
    expect(parseCheck(runWith([...base, 'wget'], checkScript('/tmp', ['sh', 'curl|wget'])), '/tmp')).toMatchObject({ tools: { sh: true, 'curl|wget': true }, problems: [] })
  })

  it('reports a host with neither', () => {
    const check = parseCheck(runWith(base, checkScript('/tmp', ['sh', 'curl|wget'])), '/tmp')
    expect(check.tools['curl|wget']).toBe(false)
    expect(check.problems).toEqual(['neither curl nor wget is installed: the http checks in hooks need one'])
  })
})
