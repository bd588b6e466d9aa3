#!/usr/bin/env node
// `npm run lint`, and the first step of `npm test`: no import cycles in src/ (type-only
// imports count: oxlint's import/no-cycle, .oxlintrc.json) and no dead exports or files
// (knip, knip.jsonc). What is already there and tolerated for now is named in lint/*.txt;
// anything else fails, and so does a line there that no longer names a problem, so those
// lists only ever shrink. Takes a second or two.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const bin = (name) => join(root, 'node_modules', '.bin', name)

/** Lines of an allow-list, without comments and blank lines. */
function allowList(file) {
  return readFileSync(join(root, file), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
}

/** Runs a linter that reports JSON on stdout; it exits non-zero when it found something, which is read, not fatal. */
function runJson(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  try {
    return JSON.parse(result.stdout)
  } catch {
    throw new Error(`${cmd} ${args.join(' ')} did not report (exit ${result.status}):\n${result.stderr}${result.stdout}`)
  }
}

/** Each import that closes a cycle: `from` imports `to`, which leads back to `from`. */
function cycleEdges() {
  const report = runJson(bin('oxlint'), ['-c', '.oxlintrc.json', '--tsconfig', 'tsconfig.json', '--format', 'json', 'src'])
  return report.diagnostics
    .filter((d) => d.code === 'import(no-cycle)')
    .map((d) => {
      // The note draws the cycle starting at the imported module: "╭──▶ ./x.js (src/x.ts)".
      const to = /\((src\/[^)]+)\)/.exec(d.note ?? '')?.[1] ?? '?'
      return { from: d.filename, to, line: d.labels?.[0]?.span?.line }
    })
}

function checkCycles() {
  const allowed = allowList('lint/cycles.allowed.txt').map((line) => ({ line, files: new Set(line.split(/\s+/).filter((w) => w.endsWith('.ts'))) }))
  const used = new Set()
  const problems = []
  for (const edge of cycleEdges()) {
    const cycle = allowed.find((c) => c.files.has(edge.from) && c.files.has(edge.to))
    if (cycle) used.add(cycle.line)
    else problems.push(`import cycle: ${edge.from}:${edge.line} imports ${edge.to}, which imports it back (directly or not)`)
  }
  for (const { line } of allowed) {
    if (!used.has(line)) problems.push(`lint/cycles.allowed.txt names a cycle that is gone, remove its line: ${line}`)
  }
  return problems
}

/** knip's issue kinds that name one export (or member) each, and those that name anything else. */
const EXPORT_KINDS = ['exports', 'types', 'nsExports', 'nsTypes', 'enumMembers', 'classMembers', 'namespaceMembers', 'duplicates']

function checkDeadCode() {
  const allowed = new Set(allowList('lint/dead-exports.allowed.txt'))
  const used = new Set()
  const problems = []
  for (const issue of runJson(bin('knip'), ['--reporter', 'json', '--no-progress']).issues) {
    for (const [kind, found] of Object.entries(issue)) {
      if (!Array.isArray(found) || found.length === 0) continue
      for (const item of found) {
        const name = Array.isArray(item) ? item.map((d) => d.name).join(', ') : item.name
        const key = `${issue.file} ${name}`
        if (EXPORT_KINDS.includes(kind) && allowed.has(key)) {
          used.add(key)
          continue
        }
        const where = item.line === undefined ? issue.file : `${issue.file}:${item.line}`
        problems.push(`${kind === 'files' ? 'unused file' : `unused ${kind}`}: ${where} ${kind === 'files' ? '' : name}`.trim())
      }
    }
  }
  for (const key of allowed) {
    if (!used.has(key)) problems.push(`lint/dead-exports.allowed.txt names an export that is used or gone, remove its line: ${key}`)
  }
  return problems
}

const problems = [...checkCycles(), ...checkDeadCode()]
if (problems.length > 0) {
  console.error(problems.join('\n'))
  console.error(`\nlint: ${problems.length} problem${problems.length === 1 ? '' : 's'} (allow-lists in lint/; see scripts/lint.mjs)`)
  process.exit(1)
}
console.log('lint: no import cycles or dead exports beyond lint/*.allowed.txt')
