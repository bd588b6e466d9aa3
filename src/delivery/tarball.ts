/**
 * A release tree on disk (a build's staging tree, or an artifact in this machine's cache),
 * packed with the system tar from a list of paths.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StateError } from '../errors.js'
import { hashFiles } from './hash-file.js'
import { appendOutput } from './append-output.js'
import type { Manifest } from './manifest.js'
import type { ReleaseSource } from './upload.js'

/**
 * 0755 for directories and files with any execute bit, 0644 for the rest (what the manifest
 * records), whatever umask the build ran with: root's `tar -x` on a host keeps an archive's
 * modes as they are, so a build's 0666 would be a world-writable file in the release.
 */
const NORMAL_MODES = '--mode=u=rwX,go=rX'

/** The files `manifest` lists, under `root`. */
export function treeSource(root: string, manifest: Manifest, workDir: string): ReleaseSource {
  let lists = 0
  return {
    manifest,
    pack: async (paths, file, into) => {
      const list = `${workDir}/paths-${lists++}.list`
      await writeFile(list, (paths === 'all' ? [...manifest.keys()] : paths).map((path) => `${path}\0`).join(''))
      // Names go under `into/`; symlink targets (`S`) are left as they are.
      const prefix = `--transform=s,^,${into}/,S`
      await appendTar(['-c', '-f', '-', '-C', root, prefix, NORMAL_MODES, '--no-recursion', '--null', '-T', list], file)
    },
    // The tree's own files, read once to be hashed.
    contents: (paths) => hashFiles(paths, (path) => join(root, path)),
  }
}

function appendTar(args: string[], file: string): Promise<void> {
  return appendOutput(file, 'tar', args).catch((error: Error) => {
    throw new StateError(`packing the release failed: ${error.message}`, {
      step: 'fetch',
      hint: 'check that every `build.include` path exists after the build',
    })
  })
}
