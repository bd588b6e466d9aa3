/**
 * A release tree built on disk (when the config has `build` steps): its manifest is hashed
 * from the files, and it is packed with the system tar from a list of paths.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { StateError } from '../errors.js'
import { hashTree } from './manifest.js'
import type { ReleaseTree } from './tree.js'
import type { ReleaseSource } from './upload.js'

export async function stagedSource(tree: ReleaseTree, workDir: string): Promise<ReleaseSource> {
  const manifest = await hashTree(tree.root, tree.paths)
  let lists = 0
  return {
    manifest,
    pack: async (paths, file) => {
      const list = `${workDir}/paths-${lists++}.list`
      await writeFile(list, (paths === 'all' ? [...manifest.keys()] : paths).map((path) => `${path}\0`).join(''))
      await appendTar(['-c', '-f', '-', '-C', tree.root, '--no-recursion', '--null', '-T', list], file)
    },
  }
}

function appendTar(args: string[], file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const out = createWriteStream(file, { flags: 'a' })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.pipe(out)
    child.on('error', reject)
    let code: number | null = null
    let pending = 2
    const done = (): void => {
      if (--pending > 0) return
      if (code === 0) resolve()
      else
        reject(
          new StateError(`packing the release failed: ${stderr.trim()}`, {
            step: 'fetch',
            hint: 'check that every `build.include` path exists after the build',
          }),
        )
    }
    out.on('close', done)
    child.on('close', (c) => {
      code = c
      done()
    })
  })
}
