/**
 * Debian packages the peers need (Capistrano itself, rsync for shipit-deploy), installed
 * with apt-get when missing. A fresh machine may have no package lists yet: then the
 * install is tried once more after `apt-get update`.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }

export async function aptInstall(pkg: string): Promise<void> {
  const install = () => run('apt-get', ['install', '-y', '-q', pkg], { env, maxBuffer: 1 << 26 })
  try {
    await install()
  } catch {
    await run('apt-get', ['update', '-q'], { env, maxBuffer: 1 << 26 })
    await install()
  }
}

export async function hasCommand(name: string): Promise<boolean> {
  try {
    await run('sh', ['-c', 'command -v "$1"', 'sh', name])
    return true
  } catch {
    return false
  }
}
