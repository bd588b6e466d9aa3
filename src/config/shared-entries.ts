/**
 * What `shared/` holds for an environment: its `shared` paths, and each template's `dest`
 * as one more shared file (rendered into `shared/` and linked like the others).
 */
import type { ResolvedConfig } from './types.js'

export function sharedEntries(config: Pick<ResolvedConfig, 'shared' | 'templates'>): { files: string[]; dirs: string[] } {
  return { dirs: config.shared.dirs, files: [...config.shared.files, ...config.templates.map((template) => template.dest)] }
}
