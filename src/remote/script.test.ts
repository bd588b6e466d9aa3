import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, sh, type Sandbox } from '../../test/helpers/sh.js'
import { all, script, sequence, tryOr } from './script.js'

let box: Sandbox | undefined
afterEach(() => box?.cleanup())

/** The shell's status and what it printed, for a script that records each step it reaches. */
const run = (text: string): { code: number; out: string } => {
  const result = sh(text)
  return { code: result.code, out: result.stdout + result.stderr }
}

describe('sequence', () => {
  it('wraps each fragment so the first failure stops the rest with its exit code', () => {
    expect(sequence('a && b', 'c')).toBe('{ a && b\n} || exit $?\n{ c\n} || exit $?')
    expect(sequence('', 'c', '')).toBe('{ c\n} || exit $?')
    expect(run(sequence('echo one', 'echo two && (exit 7) && echo never', 'echo three'))).toEqual({ code: 7, out: 'one\ntwo\n' })
    expect(run(sequence('echo one', 'echo two'))).toEqual({ code: 0, out: 'one\ntwo\n' })
  })
})

describe('all', () => {
  it('joins plain and-lists with && as they are', () => {
    expect(all('a', 'b && c', '{ [ -d x ] || mkdir -p x; } && d')).toBe('a && b && c && { [ -d x ] || mkdir -p x; } && d')
    expect(all("printf '%s\\n' 'a;b||c&d' > 'f'", 'echo "x;y"')).toBe(`printf '%s\\n' 'a;b||c&d' > 'f' && echo "x;y"`)
    expect(all('echo x >&2', 'y 2>&1')).toBe('echo x >&2 && y 2>&1')
    expect(all('', 'a', '')).toBe('a')
    expect(all()).toBe('')
  })

  it('groups what && would otherwise cut apart: lines, ;, & and a later ||', () => {
    expect(all('a\nb', 'c')).toBe('{ a\nb\n} && c')
    expect(all('a', 'if x; then y; fi')).toBe('a && { if x; then y; fi; }')
    expect(all('a', 'b || c')).toBe('a && { b || c; }')
    // First: `a || b && c` is `(a || b) && c`, which is what all() means.
    expect(all('a || b', 'c')).toBe('a || b && c')
    expect(all('a &', 'b')).toBe('{ a &\n} && b')
    expect(all('a', 'b;')).toBe('a && { b;\n}')
    expect(all('a', 'b # note')).toBe('a && { b # note\n}')
    expect(all('a', 'find . -exec true {} \\;')).toBe('a && find . -exec true {} \\;')
    // Quotes are read as sh reads them: `'it'\''s'` closes and reopens, and hides nothing.
    expect(all('a', "echo 'it'\\''s'; touch x")).toBe("a && { echo 'it'\\''s'; touch x; }")
    expect(all('a', "echo 'it'\\''s' 'y;z'")).toBe("a && echo 'it'\\''s' 'y;z'")
  })

  it('stops at the first failure, with its status, whatever shape the fragments have', () => {
    expect(run(all('echo one', 'false || (exit 3)', 'echo never'))).toEqual({ code: 3, out: 'one\n' })
    // Ungrouped, `false && x || echo` would still print "runs": grouping keeps it off.
    expect(run(all('false', 'true || echo runs'))).toEqual({ code: 1, out: '' })
    expect(run(all('false', 'echo a\necho b'))).toEqual({ code: 1, out: '' })
    expect(run(all('echo a; (exit 4)', 'echo never'))).toEqual({ code: 4, out: 'a\n' })
    expect(run(all('echo a', 'echo b', 'echo c'))).toEqual({ code: 0, out: 'a\nb\nc\n' })
    expect(run(all('true &', 'echo b;', 'echo c # comment', 'echo d'))).toEqual({ code: 0, out: 'b\nc\nd\n' })
    expect(run(all('true', 'find /dev/null -exec echo {} \\;'))).toEqual({ code: 0, out: '/dev/null\n' })
  })
})

/** Fragments of every shape the builders make (and some they do not), each printing where it got to. */
const shapes = [
  'echo t',
  'false',
  'echo a || echo b',
  'false || echo b',
  'false && echo b',
  'echo a; false',
  'echo a; echo b',
  'if false; then echo a; fi',
  '{ false || echo b; }',
  "echo 'a;b||c' && false",
  'echo a\nfalse',
  'false # comment; echo c',
  'echo \\; && false',
  'echo "x||y" && false',
  '{ [ -d /nonexistent ] || false; } && echo c',
]

describe('combinators against a reference that groups everything', () => {
  it('all() and tryOr() behave as if every fragment were grouped', () => {
    const grouped = (fragment: string) => `{ ${fragment}\n}`
    for (const a of shapes) {
      for (const b of shapes) {
        expect(run(all(a, b, 'echo end')), `${a} && ${b}`).toEqual(run(`${grouped(a)} && ${grouped(b)} && echo end`))
      }
      expect(sh(tryOr(a, 'w')), a).toEqual(sh(`${grouped(a)} || echo 'berth: w' >&2`))
    }
  })
})

describe('script', () => {
  it('puts fragments on lines of their own, each run whatever the last did', () => {
    expect(script('a', '', 'b\nc')).toBe('a\nb\nc')
    expect(run(script('echo one', '(exit 2)', 'echo two'))).toEqual({ code: 0, out: 'one\ntwo\n' })
    expect(run(script('echo one', '(exit 2)'))).toEqual({ code: 2, out: 'one\n' })
  })
})

describe('tryOr', () => {
  it('reports a failure on stderr, as berth, and lets what follows run', () => {
    expect(tryOr('rm -rf /x', 'removing old releases failed')).toBe(`rm -rf /x || echo 'berth: removing old releases failed' >&2`)
    expect(tryOr('', 'nothing')).toBe('')
    expect(tryOr('a; b', 'w')).toBe(`{ a; b; } || echo 'berth: w' >&2`)
    const failing = sh(script(tryOr('echo a && (exit 5)', `it's "bad"`), 'echo after'))
    expect(failing).toEqual({ code: 0, stdout: 'a\nafter\n', stderr: `berth: it's "bad"\n` })
    expect(sh(tryOr('true', 'w'))).toEqual({ code: 0, stdout: '', stderr: '' })
    // Several lines: the warning is for the whole of them, and only when the last fails.
    expect(sh(tryOr('false\ntrue', 'w')).stderr).toBe('')
    expect(sh(tryOr('true\nfalse', 'w')).stderr).toBe('berth: w\n')
  })

  it('prints a hostile warning as text and runs none of it', () => {
    box = createSandbox()
    const warning = "$(touch pwned1) `touch pwned2`; touch pwned3 'x'"
    const result = sh(tryOr('false', warning), { cwd: box.base })
    expect(result.stderr).toBe(`berth: ${warning}\n`)
    expect(box.pwned()).toEqual([])
  })
})
