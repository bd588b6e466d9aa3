/**
 * Cross-entry rules for `shared:`. Each entry alone is already a relative path without
 * `..` (the schema); together, with the templates' `dest` (files in `shared/` as well), they must not overlap: a file inside a shared directory
 * would be linked through the directory's own link, deleting and replacing what is in
 * `shared/` (the deploy refuses that too, on the host, but this says why, at the line).
 */
import { formatPath, type RawIssue } from './issue.js'
import { setting } from './overlay.js'
import { normalizeRelative } from './resolve-paths.js'
import type { RawConfig } from './schema.js'

export function checkShared(raw: RawConfig, environment: string): RawIssue[] {
  const shared = setting(raw, environment, 'shared')
  const templates = setting(raw, environment, 'templates')
  // A template's dest is a shared file too: it lands in shared/ and is linked the same way.
  const entries = [
    ...(['dirs', 'files'] as const).flatMap((kind) =>
      (shared.value?.[kind] ?? []).map((written, i) => ({ path: [...shared.path, kind, i], normal: normalizeRelative(written), isDir: kind === 'dirs' })),
    ),
    ...(templates.value ?? []).map((template, i) => ({ path: [...templates.path, i, 'dest'], normal: normalizeRelative(template.dest), isDir: false })),
  ]
  const issues: RawIssue[] = []
  entries.forEach((entry, i) => {
    if (entry.normal === '.') {
      issues.push({ path: entry.path, message: 'is the release itself: name a file or directory inside it' })
      return
    }
    const earlier = entries.slice(0, i).find((other) => other.normal === entry.normal)
    if (earlier !== undefined) {
      issues.push({ path: entry.path, message: `"${entry.normal}" is already shared (${formatPath(earlier.path)}): list it once` })
      return
    }
    const parent = entries.find((other) => other.isDir && other.normal !== '.' && entry.normal.startsWith(`${other.normal}/`))
    if (parent !== undefined) {
      issues.push({ path: entry.path, message: `"${entry.normal}" is inside the shared directory "${parent.normal}", which is linked as a whole: leave it out (it is shared already)` })
    }
  })
  return issues
}
