/**
 * Packs the release tree once per deploy into a tar file that is streamed to every host
 * (so the tree is read and packed once, however many hosts there are).
 */
import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { StateError } from '../errors.js'
import type { ReleaseTree } from './tree.js'

const run = promisify(execFile)

export interface Tarball {
  file: string
  bytes: number
  files: number
  open(): Readable
}

export async function packTree(tree: ReleaseTree, dir: string): Promise<Tarball> {
  const list = join(dir, 'paths.list')
  const file = join(dir, 'release.tar')
  await writeFile(list, tree.paths.map((p) => `${p}\0`).join(''))
  try {
    await run('tar', ['-c', '-f', file, '-C', tree.root, '--null', '-T', list], { maxBuffer: 16 * 1024 * 1024 })
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    throw new StateError(`packing the release failed: ${(e.stderr ?? e.message).trim()}`, {
      step: 'fetch',
      hint: 'check that every `build.include` path exists after the build',
    })
  }
  const bytes = (await stat(file)).size
  return { file, bytes, files: tree.paths.length, open: () => createReadStream(file) }
}
