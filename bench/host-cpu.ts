/**
 * CPU the fleet's hosts spent, read from /proc: each host's listening sshd counts, in its
 * children's times, every connection's sshd and everything the connection ran once they
 * ended and were reaped. Sampled before and after a deploy (after its connections closed),
 * the difference is what the hosts spent on it. Cheap: one small read per host.
 */
import { readFileSync, readdirSync } from 'node:fs'

/** Kernel ticks per second (`getconf CLK_TCK`): 100 on Linux everywhere it matters here. */
const TICKS_PER_SECOND = 100

/** utime + stime + cutime + cstime, in ms, from one `/proc/PID/stat` line. */
export function statCpuMs(stat: string): number {
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i] ?? 0))
  return ((utime! + stime! + cutime! + cstime!) * 1000) / TICKS_PER_SECOND
}

/** The listening sshd daemons whose command line names a file under `root` (one fleet's). */
function fleetDaemons(root: string): string[] {
  const pids: string[] = []
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      // sshd retitles itself: "sshd: /usr/sbin/sshd -D -e -f CONFIG [listener] 0 of 10-100 startups".
      const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (text.includes('[listener]') && text.includes(` ${root}`)) pids.push(pid)
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

export function hostsCpuMs(root: string): number {
  let total = 0
  for (const pid of fleetDaemons(root)) {
    try {
      total += statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    } catch {
      // gone meanwhile
    }
  }
  return total
}
