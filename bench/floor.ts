/**
 * The floor: what any tool must at least pay on this fleet. `ssh host true` to every host
 * at once (fresh connections: key exchange and login), and a raw `tar | ssh tar -x` of the
 * app (or of the one changed file) to every host at once.
 */
import type { Fleet } from '../test/helpers/fleet.js'
import { timedAll, type Timed } from './exec.js'
import { wipeHosts } from './tool.js'

export const FLOOR_DIR = '/srv/floor'

/** Each command under GNU time, for the floor's CPU beside berth's (one more exec each, ~1 ms). */
const CPU = { isRssMeasured: true }

export function floorConnect(fleet: Fleet, hosts: string[]): Promise<Timed> {
  return timedAll(hosts.map((host) => ({ file: 'ssh', args: ['-F', fleet.sshConfigFile, host, 'true'], options: CPU })))
}

/** `tar -c` of `paths` (relative to appDir; `.` for all, without .git) piped to each host. */
export async function floorTar(fleet: Fleet, hosts: string[], appDir: string, paths: string[]): Promise<Timed> {
  await wipeHosts(fleet, FLOOR_DIR)
  const script = 'cfg=$1 host=$2 dir=$3; shift 3; tar -c --exclude=.git -C "$dir" -- "$@" | ssh -F "$cfg" "$host" "mkdir -p /srv/floor/x && tar -x -C /srv/floor/x"'
  return timedAll(hosts.map((host) => ({ file: 'sh', args: ['-c', script, 'sh', fleet.sshConfigFile, host, appDir, ...paths], options: CPU })))
}
